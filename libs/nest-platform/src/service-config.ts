import { DefaultSubjectPrefix } from '@flotilla/contracts';
import { defaultRetryPolicy, RetryPolicy } from '@flotilla/event-store';
import { BusTrustSettings, busTrustFromEnv } from './rpc/bus-trust';
import { NatsSettings, natsSettingsFromEnv } from './nats-connection';
import { LogLevel, logLevelFromEnv } from './logging';
import { ConfigurationError, configuration } from './secrets';

/** What every event-sourced service is configured with; each has its own environment prefix and defaults. */
export interface ServiceConfig {
  nats: NatsSettings;
  bus: BusTrustSettings;
  databaseUrl: string;
  /** Postgres schema of the service's read models. */
  databaseSchema: string;
  stream: string;
  subjectPrefix: string;
  /** Prefix of the command and query subjects (RPC_SUBJECT_PREFIX). */
  rpcPrefix: string;
  logLevel: LogLevel;
  /** Replicas of the streams the service creates: 1 on a single server, 3 on a JetStream cluster. */
  streamReplicas: number;
  healthPort: number;
  migrateOnStart: boolean;
}

export interface ServiceDefaults {
  /** `BATCH` reads BATCH_DB_SCHEMA, BATCH_STREAM, BATCH_SUBJECT_PREFIX. */
  envPrefix: string;
  databaseSchema: string;
  stream: string;
  subjectPrefix: string;
  healthPort: number;
}

export function serviceConfigFromEnv(defaults: ServiceDefaults, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const p = defaults.envPrefix;
  return {
    ...configuration({
      logLevel: () => logLevelFromEnv(env),
      nats: () => natsSettingsFromEnv(env),
      bus: () => busTrustFromEnv(env),
      rpcPrefix: () => rpcPrefixFromEnv(env),
      streamReplicas: () => wholeNumber(env, 'STREAM_REPLICAS', 1),
      healthPort: () => portNumber(env, 'HEALTH_PORT', defaults.healthPort),
      migrateOnStart: () => flag(env, 'MIGRATE_ON_START', true),
    }),
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla',
    databaseSchema: env[`${p}_DB_SCHEMA`] ?? defaults.databaseSchema,
    stream: env[`${p}_STREAM`] ?? defaults.stream,
    subjectPrefix: env[`${p}_SUBJECT_PREFIX`] ?? defaults.subjectPrefix,
  };
}

/** RPC_SUBJECT_PREFIX: NATS tokens (letters, digits, `_`, `-`) joined by dots; `fleet` unless set. */
export function rpcPrefixFromEnv(env: NodeJS.ProcessEnv): string {
  const prefix = env.RPC_SUBJECT_PREFIX || DefaultSubjectPrefix;
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(prefix))
    throw new ConfigurationError(['RPC_SUBJECT_PREFIX must be NATS tokens (letters, digits, "_", "-") joined by dots']);
  return prefix;
}

/**
 * How consumers retry a failing commit (platform.md §4a): CONSUMER_MAX_ATTEMPTS tries of a commit at fault before it
 * is parked, backoff from CONSUMER_BACKOFF_MS doubling up to CONSUMER_MAX_BACKOFF_MS.
 */
export function consumerRetryFromEnv(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  return configuration({
    maxAttempts: () => wholeNumber(env, 'CONSUMER_MAX_ATTEMPTS', defaultRetryPolicy.maxAttempts),
    initialBackoffMs: () => wholeNumber(env, 'CONSUMER_BACKOFF_MS', defaultRetryPolicy.initialBackoffMs),
    maxBackoffMs: () => wholeNumber(env, 'CONSUMER_MAX_BACKOFF_MS', defaultRetryPolicy.maxBackoffMs),
  });
}

/** A whole number from the environment within `min` (1 unless given) and `max`, or its default; else start-up stops. */
export function wholeNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  { min = 1, max = Infinity }: { min?: number; max?: number } = {},
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigurationError([
      max === Infinity
        ? `${name} must be a whole number of at least ${min}`
        : `${name} must be a whole number from ${min} to ${max}`,
    ]);
  return value;
}

/** A port to listen on, 0 for any free one. */
export const portNumber = (env: NodeJS.ProcessEnv, name: string, fallback: number): number =>
  wholeNumber(env, name, fallback, { min: 0, max: 65_535 });

/** A share from 0 to 1 from the environment, or its default; else start-up stops. */
export function fraction(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new ConfigurationError([`${name} must be a number from 0 to 1`]);
  return value;
}

/** `true` or `false` from the environment, or its default; anything else (`1`, `no`) stops start-up. */
export function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigurationError([`${name} must be true or false`]);
  return raw === 'true';
}

/**
 * Runs an app's start-up; a configuration that cannot work (a missing production secret, say) ends the process with
 * its reasons on stderr and exit code 1, as does any other failure to start. A throw that nothing handles later (a
 * bug) ends it too, as Node's default does, but with one structured line saying why.
 */
export function runMain(service: string, main: () => Promise<unknown>): void {
  const fail = (msg: string) => (err: unknown) => {
    const error = err instanceof ConfigurationError ? err.message : String((err as Error)?.stack ?? err);
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: 'error', service, msg, error })}\n`,
    );
    process.exit(1);
  };
  process.on('uncaughtException', fail('uncaught exception'));
  process.on('unhandledRejection', fail('unhandled rejection'));
  main().catch(fail('failed to start'));
}
