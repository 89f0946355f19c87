import { NatsConnection } from 'nats';
import { eventually, freeLoopbackPort, LocalServer, startLocalNats } from '@flotilla/testing';
import { connectService, isConnectedNow, withoutCredentials } from './nats-connection';

describe("a service's NATS connection", () => {
  let nats: LocalServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startLocalNats();
    nc = await connectService({ servers: nats.url }, 'connection-watch');
  });

  afterAll(async () => {
    await nc.close().catch(() => undefined);
    await nats.destroy();
  });

  it('is connected now only between a connect or reconnect and the next disconnect, and never once closed', async () => {
    expect(isConnectedNow(nc)).toBe(true);
    const down = nats.crash(3_000); // SIGKILL, back on the same port after 3 s
    await eventually(async () => !isConnectedNow(nc), 10_000, 'the disconnect seen');
    expect(nc.isClosed()).toBe(false); // reconnecting: alive, not ready
    await down;
    await eventually(async () => isConnectedNow(nc), 20_000, 'the reconnect seen');
    await nc.close();
    expect(isConnectedNow(nc)).toBe(false);
  });

  it('says which NATS it could not reach, its password left out', async () => {
    const port = await freeLoopbackPort();
    const connecting = connectService({ servers: `nats://svc:s3cret@127.0.0.1:${port}` }, 'nowhere');
    await expect(connecting).rejects.toMatchObject({
      code: 'CONNECTION_REFUSED',
      message: `cannot reach NATS at nats://127.0.0.1:${port}: CONNECTION_REFUSED`,
    });
    expect(withoutCredentials('nats://a:b@h1:4222,tls://c@h2:4222,h3:4222')).toBe(
      'nats://h1:4222,tls://h2:4222,h3:4222',
    );
  });
});
