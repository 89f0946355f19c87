import { Streams } from '@flotilla/contracts';
import { ServiceConfig, serviceConfigFromEnv } from '@flotilla/nest-platform';

export type OrchestratorConfig = ServiceConfig;

/** Configuration from the environment (README: Configuration). */
export const configFromEnv = (env: NodeJS.ProcessEnv = process.env): OrchestratorConfig =>
  serviceConfigFromEnv(
    { envPrefix: 'BATCH', databaseSchema: 'batch_orchestrator', stream: Streams.batch.name, subjectPrefix: Streams.batch.subjectPrefix, healthPort: 3101 },
    env,
  );

export const CONFIG = Symbol('OrchestratorConfig');
