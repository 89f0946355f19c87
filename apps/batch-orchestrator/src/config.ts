/** Configuration from the environment (README: Configuration). */
export interface OrchestratorConfig {
  natsUrl: string;
  databaseUrl: string;
  /** Postgres schema of this service's read models. */
  databaseSchema: string;
  stream: string;
  subjectPrefix: string;
  healthPort: number;
  migrateOnStart: boolean;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  return {
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla',
    databaseSchema: env.BATCH_DB_SCHEMA ?? 'batch_orchestrator',
    stream: env.BATCH_STREAM ?? 'BATCH_EVENTS',
    subjectPrefix: env.BATCH_SUBJECT_PREFIX ?? 'evt.batch',
    healthPort: Number(env.HEALTH_PORT ?? 3101),
    migrateOnStart: (env.MIGRATE_ON_START ?? 'true') !== 'false',
  };
}

export const CONFIG = Symbol('OrchestratorConfig');
