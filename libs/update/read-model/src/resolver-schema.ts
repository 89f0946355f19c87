import { consumerMigrations, CreateAggregateSnapshots1767225600700 } from '@flotilla/projections';
import { CreateFleetSnapshots1767225600400 } from './create-fleet-snapshots.migration';
import { CreateUpdateReadModel1767225600300 } from './create-update-read-model.migration';
import { DeviceRoomForUpdates1767225601100 } from './device-room-for-updates.migration';
import { updateEntities } from './update-entities';

/** Everything in the update-resolver's Postgres schema: its migrations (in order) and its TypeORM entities. */
export const resolverSchema = {
  migrations: [
    ...consumerMigrations,
    CreateUpdateReadModel1767225600300,
    CreateFleetSnapshots1767225600400,
    CreateAggregateSnapshots1767225600700,
    DeviceRoomForUpdates1767225601100,
  ],
  entities: updateEntities,
};
