import { consumerMigrations } from '@flotilla/projections';
import { CreateUpdateReadModel1767225600300 } from './create-update-read-model.migration';
import { updateEntities } from './update-entities';

/** Everything in the update-resolver's Postgres schema: its migrations (in order) and its TypeORM entities. */
export const resolverSchema = {
  migrations: [...consumerMigrations, CreateUpdateReadModel1767225600300],
  entities: updateEntities,
};
