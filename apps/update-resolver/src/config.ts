export interface ResolverConfig {
  natsUrl: string;
  databaseUrl: string;
  databaseSchema: string;
  stream: string;
  subjectPrefix: string;
  healthPort: number;
  migrateOnStart: boolean;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ResolverConfig {
  return {
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla',
    databaseSchema: env.UPDATE_DB_SCHEMA ?? 'update_resolver',
    stream: env.UPDATE_STREAM ?? 'UPDATE_EVENTS',
    subjectPrefix: env.UPDATE_SUBJECT_PREFIX ?? 'evt.update',
    healthPort: Number(env.HEALTH_PORT ?? 3102),
    migrateOnStart: (env.MIGRATE_ON_START ?? 'true') !== 'false',
  };
}

export const RESOLVER_CONFIG = Symbol('ResolverConfig');
