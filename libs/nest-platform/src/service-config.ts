/** What every event-sourced service is configured with; each has its own environment prefix and defaults. */
export interface ServiceConfig {
  natsUrl: string;
  databaseUrl: string;
  /** Postgres schema of the service's read models. */
  databaseSchema: string;
  stream: string;
  subjectPrefix: string;
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
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla',
    databaseSchema: env[`${p}_DB_SCHEMA`] ?? defaults.databaseSchema,
    stream: env[`${p}_STREAM`] ?? defaults.stream,
    subjectPrefix: env[`${p}_SUBJECT_PREFIX`] ?? defaults.subjectPrefix,
    healthPort: Number(env.HEALTH_PORT ?? defaults.healthPort),
    migrateOnStart: (env.MIGRATE_ON_START ?? 'true') !== 'false',
  };
}
