export * from './domain-event';
export * from './event-json';
export * from './reply';
export * from './streams';
export * from './tenancy-events';
export * from './batch-events';
export * from './update-events';
