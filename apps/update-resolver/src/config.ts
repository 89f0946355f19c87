import { Streams } from '@flotilla/contracts';
import { ServiceConfig, serviceConfigFromEnv } from '@flotilla/nest-platform';

export interface ResolverConfig extends ServiceConfig {
  /** The batch-orchestrator's stream, read for DeviceProvisioned and device deletions. */
  batchStream: string;
  batchSubjectPrefix: string;
  /** HMAC key of signed firmware URLs; every instance (and the artifact server) needs the same one. */
  urlSigningKey: string;
  urlTtlSeconds: number;
  /** Key from which a provisioned server's first credential is derived (so none is stored); keep it secret. */
  deviceCredentialKey: string;
}

/** Configuration from the environment (README: Configuration). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ResolverConfig {
  return {
    ...serviceConfigFromEnv(
      { envPrefix: 'UPDATE', databaseSchema: 'update_resolver', stream: Streams.update.name, subjectPrefix: Streams.update.subjectPrefix, healthPort: 3102 },
      env,
    ),
    batchStream: env.BATCH_STREAM ?? Streams.batch.name,
    batchSubjectPrefix: env.BATCH_SUBJECT_PREFIX ?? Streams.batch.subjectPrefix,
    urlSigningKey: env.FIRMWARE_URL_SIGNING_KEY ?? 'flotilla-development-signing-key',
    urlTtlSeconds: Number(env.FIRMWARE_URL_TTL_SECONDS ?? 24 * 3600),
    deviceCredentialKey: env.DEVICE_CREDENTIAL_KEY ?? 'flotilla-development-credential-key',
  };
}

export const RESOLVER_CONFIG = Symbol('ResolverConfig');
