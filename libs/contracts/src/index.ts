// The events and the reply envelope are pure TypeScript in @flotilla/events (what domain libs import); the
// messages here add class-validator DTOs, subjects and the bus's principal, and re-export the events for callers.
export * from '@flotilla/events';
export * from './platform/request-headers';
export * from './platform/principal';
export * from './platform/text';
export * from './platform/nesting';
export * from './platform/subject';
export * from './platform/paging';
export * from './platform/command-id';
export * from './platform/organization-requests';
export * from './tenancy/tenancy-messages';
export * from './tenancy/api-key-token';
export * from './batch/batch-messages';
export * from './update/update-messages';
export * from './subjects';
export * from './platform/audit';
