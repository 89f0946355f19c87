import { consumerMigrations, CreateAggregateSnapshots1767225600700 } from '@flotilla/projections';
import {
  AddApiKeyRevocation1767225600800,
  CreateTenancyReadModel1767225600100,
  tenancyEntities,
} from '@flotilla/tenancy-read-model';
import { batchEntities } from './batch-entities';
import { batchMigrations, IndexTerminationTimes1767225601000 } from './create-batch-read-model.migration';

/** Everything in the batch-orchestrator's Postgres schema: its migrations (in order) and its TypeORM entities. */
export const orchestratorSchema = {
  migrations: [
    ...consumerMigrations,
    CreateTenancyReadModel1767225600100,
    ...batchMigrations,
    CreateAggregateSnapshots1767225600700,
    AddApiKeyRevocation1767225600800,
    IndexTerminationTimes1767225601000,
  ],
  entities: [...tenancyEntities, ...batchEntities],
};
