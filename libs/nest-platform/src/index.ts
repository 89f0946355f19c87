export * from './json-logger';
export * from './rpc/reply-codec';
export * from './rpc/rpc-exception.filter';
export * from './rpc/rpc-validation.pipe';
export * from './rpc/request-meta.decorator';
export * from './rpc/nats-rpc-server';
export * from './health/health';
export * from './health/health.module';
