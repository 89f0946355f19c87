import type { Socket } from 'node:net';
import { connect, NatsConnection } from 'nats';
import { natsConnectOptions } from './nats-connection';
import { coalesceNatsWrites } from './nats-write-coalescing';

describe('NATS writes of a service', () => {
  let nc: NatsConnection;

  beforeAll(async () => {
    coalesceNatsWrites();
    nc = await connect(natsConnectOptions({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' }, 'coalescing'));
  });

  afterAll(() => nc.close());

  it('leave in one socket write per turn of the event loop, every message delivered in order', async () => {
    const socket = (nc as unknown as { protocol: { transport: { socket: Socket } } }).protocol.transport.socket;
    let writes = 0;
    for (const method of ['_write', '_writev'] as const) {
      const original = socket[method] as (...args: unknown[]) => void;
      socket[method] = function (this: Socket, ...args: unknown[]) {
        writes++;
        return original.apply(this, args);
      } as never;
    }
    const subject = `coalescing.${process.pid}`;
    const received: number[] = [];
    const sub = nc.subscribe(subject, { callback: (_err, msg) => received.push(Number(msg.string())) });
    await nc.flush();
    writes = 0;

    // Published from 200 callbacks of one turn (as replies of a turn's requests are): nats.js alone writes after each.
    const published = Array.from(
      { length: 200 },
      (_, i) => new Promise<void>((resolve) => setImmediate(() => (nc.publish(subject, String(i)), resolve()))),
    );
    await Promise.all(published);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toBe(1);
    await nc.flush();
    expect(received).toEqual(Array.from({ length: 200 }, (_, i) => i));
    sub.unsubscribe();
  });
});
