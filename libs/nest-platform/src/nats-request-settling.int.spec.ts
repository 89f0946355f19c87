import { connect, ErrorCode, NatsConnection, NatsError } from 'nats';
import { natsConnectOptions } from './nats-connection';
import { settleNatsRequestsQuietly } from './nats-request-settling';

describe('NATS requests of a service', () => {
  let nc: NatsConnection;
  const subject = (name: string) => `settling.${process.pid}.${name}`;

  beforeAll(async () => {
    settleNatsRequestsQuietly();
    nc = await connect(natsConnectOptions({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' }, 'settling'));
  });

  afterAll(() => nc.close());

  it('resolve with their replies and build no error once answered', async () => {
    const sub = nc.subscribe(subject('echo'), { callback: (_err, msg) => msg.respond(msg.data) });
    await nc.flush();
    const errors = jest.spyOn(NatsError, 'errorForCode');
    try {
      const replies = await Promise.all(
        Array.from({ length: 100 }, (_, i) => nc.request(subject('echo'), String(i), { timeout: 5_000 })),
      );
      expect(replies.map((reply) => reply.string())).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
      // nats.js alone cancels each answered request with a new "cancelled" error.
      expect(errors.mock.calls.filter(([code]) => code === ErrorCode.Cancelled)).toHaveLength(0);
    } finally {
      errors.mockRestore();
      sub.unsubscribe();
    }
  });

  it('still fail when no one answers, or no one listens', async () => {
    const sub = nc.subscribe(subject('silent'), { callback: () => undefined });
    await nc.flush();
    await expect(nc.request(subject('silent'), '', { timeout: 100 })).rejects.toMatchObject({
      code: ErrorCode.Timeout,
    });
    sub.unsubscribe();
    await expect(nc.request(subject('nobody'), '', { timeout: 5_000 })).rejects.toMatchObject({
      code: ErrorCode.NoResponders,
    });
    // The inbox holds no request that is over.
    const mux = (nc as unknown as { protocol: { muxSubscriptions: { reqs: Map<string, unknown> } } }).protocol
      .muxSubscriptions;
    expect(mux.reqs.size).toBe(0);
  });
});
