import { Streams } from '@flotilla/contracts';
import { ServiceConfig, serviceConfigFromEnv } from '@flotilla/nest-platform';

export type ResolverConfig = ServiceConfig;

/** Configuration from the environment (README: Configuration). */
export const configFromEnv = (env: NodeJS.ProcessEnv = process.env): ResolverConfig =>
  serviceConfigFromEnv(
    { envPrefix: 'UPDATE', databaseSchema: 'update_resolver', stream: Streams.update.name, subjectPrefix: Streams.update.subjectPrefix, healthPort: 3102 },
    env,
  );

export const RESOLVER_CONFIG = Symbol('ResolverConfig');
