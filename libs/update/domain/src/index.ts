export * from './version';
export * from './device';
export * from './deployment';
export * from './eligibility';
export * from './deployment-rules';
export * from './attempt-window';
export * from './product';
export * from './aggregate-key';
