export * from './batch-entities';
export * from './batch-projection';
export * from './quarantine-projection';
export * from './create-batch-read-model.migration';
export * from './orchestrator-schema';
export * from './fleet-invariant';
