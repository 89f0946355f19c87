export * from './platform/reply';
export * from './platform/request-headers';
export * from './platform/domain-event';
export * from './platform/streams';
export * from './tenancy/tenancy-events';
export * from './tenancy/tenancy-messages';
export * from './batch/batch-events';
export * from './batch/batch-messages';
