export * from './test-infrastructure';
export * from './decider-specification';
export * from './workflow-specification';
export * from './service-process';
export * from './commits-of';
export * from './history-database';
export * from './local-servers';
export * from './random-batch-items';
