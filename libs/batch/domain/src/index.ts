export * from './plan-placement';
export * from './hostnames';
export * from './batch-item';
export * from './capacity';
export * from './batch';
export * from './catalog';
export * from './device';
export * from './batch-workflow';
