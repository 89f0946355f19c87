export * from './test-infrastructure';
export * from './decider-specification';
