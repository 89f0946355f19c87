import { connect, NatsConnection } from 'nats';

/**
 * Options shared by every NATS connection of a service. Async traces are off: they build an Error (and its stack)
 * for every request and publish, a cost on the hot path; errors still say what failed.
 */
export const serviceNatsOptions = (servers: string, name: string) => ({ servers, name, noAsyncTraces: true });

export function connectService(servers: string, name: string): Promise<NatsConnection> {
  return connect(serviceNatsOptions(servers, name));
}
