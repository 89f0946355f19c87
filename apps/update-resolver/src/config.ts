import { Streams } from '@flotilla/contracts';
import { RetryPolicy } from '@flotilla/event-store';
import {
  configuration,
  consumerRetryFromEnv,
  readSecrets,
  ServiceConfig,
  serviceConfigFromEnv,
  wholeNumber,
} from '@flotilla/nest-platform';

export interface ResolverConfig extends ServiceConfig {
  /** The batch-orchestrator's stream, read for DeviceProvisioned and device deletions. */
  batchStream: string;
  batchSubjectPrefix: string;
  /** HMAC key of signed firmware URLs; every instance (and the artifact server) needs the same one. */
  urlSigningKey: string;
  urlTtlSeconds: number;
  /** Key from which a provisioned server's first credential is derived (so none is stored); keep it secret. */
  deviceCredentialKey: string;
  consumerRetry: RetryPolicy;
  /**
   * Fleet-view snapshots: taken once the log is `every` commits past the newest, looked for every `checkMs`, and when
   * the resolver is told to stop if the log is `atStop` commits past it (the next start then reads next to nothing).
   */
  snapshots: { every: number; checkMs: number; atStop: number };
  /**
   * Commits between two snapshots of a device's aggregate: its first command after a start reads its newest snapshot
   * and at most about this many commits, however long its history of attempts.
   */
  deviceSnapshotEvery: number;
}

/** Configuration from the environment (README: Configuration); every problem with it is listed at once. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ResolverConfig {
  const { service, keys, ...settings } = configuration({
    service: () =>
      serviceConfigFromEnv(
        {
          envPrefix: 'UPDATE',
          databaseSchema: 'update_resolver',
          stream: Streams.update.name,
          subjectPrefix: Streams.update.subjectPrefix,
          healthPort: 3102,
        },
        env,
      ),
    keys: () => readSecrets(['FIRMWARE_URL_SIGNING_KEY', 'DEVICE_CREDENTIAL_KEY'], env),
    urlTtlSeconds: () => wholeNumber(env, 'FIRMWARE_URL_TTL_SECONDS', 24 * 3600),
    consumerRetry: () => consumerRetryFromEnv(env),
    snapshots: () =>
      configuration({
        every: () => wholeNumber(env, 'FLEET_SNAPSHOT_EVERY', 100_000),
        checkMs: () => wholeNumber(env, 'FLEET_SNAPSHOT_CHECK_MS', 300_000),
        atStop: () => wholeNumber(env, 'FLEET_SNAPSHOT_AT_STOP', 10_000),
      }),
    // As many commits as the event store reads one by one (a direct get each) before it opens an ordered read.
    deviceSnapshotEvery: () => wholeNumber(env, 'DEVICE_SNAPSHOT_EVERY', 16),
  });
  return {
    ...service,
    batchStream: env.BATCH_STREAM ?? Streams.batch.name,
    batchSubjectPrefix: env.BATCH_SUBJECT_PREFIX ?? Streams.batch.subjectPrefix,
    urlSigningKey: keys.FIRMWARE_URL_SIGNING_KEY,
    deviceCredentialKey: keys.DEVICE_CREDENTIAL_KEY,
    ...settings,
  };
}

export const RESOLVER_CONFIG = Symbol('ResolverConfig');
