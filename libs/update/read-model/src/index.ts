export * from './update-entities';
export * from './update-projection';
export * from './create-update-read-model.migration';
export * from './resolver-schema';
export * from './create-fleet-snapshots.migration';
export * from './device-room-for-updates.migration';
