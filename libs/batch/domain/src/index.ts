export * from './plan-placement';
