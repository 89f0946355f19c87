export * from './recorded-event';
export * from './errors';
export * from './upcasting';
export * from './stream-config';
export * from './event-store';
export * from './durable-consumer';
export * from './aggregate-repository';
export { CommandLedger } from './command-ledger';
