export * from './decider';
export * from './deep-freeze';
export * from './domain-error';
export * from './id-record';
export * from './stable-uuid';
export * from './workflow';
