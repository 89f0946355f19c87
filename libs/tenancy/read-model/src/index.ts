export * from './tenancy-projection';
export * from './tenancy-entities';
export * from './create-tenancy-read-model.migration';
