export * from './test-infrastructure';
export * from './decider-specification';
export * from './service-process';
