import { Agent, get as httpGet } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { eventually, freeLoopbackPorts, LocalServer, startLocalNats } from '@flotilla/testing';
import { createGateway } from './bootstrap';
import { testGatewayConfig } from './test-fixtures/gateway-config';

describe('the gateway started before NATS', () => {
  let app: INestApplication;
  let nats: LocalServer | undefined;
  let base: string;
  let natsPort: number;
  let monitorPort: number;

  beforeAll(async () => {
    let port: number;
    [port, natsPort, monitorPort] = await freeLoopbackPorts(3);
    app = await createGateway(testGatewayConfig(port, natsPort));
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await app.close();
    await nats?.destroy();
  });

  it('is alive and not ready, answers 503, and is ready once NATS is there', async () => {
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ error: { nats: { status: 'down' } } });
    const call = await fetch(`${base}/capacity`, { headers: { 'X-Auth-Token': 'a'.repeat(40) } });
    expect(call.status).toBe(503);
    expect(call.headers.get('retry-after')).toBe('1');
    expect(await call.json()).toEqual({ errors: ['service unavailable: NATS not reached yet'] });
    // Devices turned away are told to come back at times spread over a minute.
    const waits = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const check = await fetch(`${base}/device/update`, { headers: { authorization: 'Bearer dev_x' } });
      expect(check.status).toBe(503);
      waits.add(Number(check.headers.get('retry-after')));
    }
    expect([...waits].every((wait) => wait >= 1 && wait <= 60)).toBe(true);
    expect(waits.size).toBeGreaterThan(1);

    nats = await startLocalNats({ port: natsPort, monitorPort });
    await eventually(async () => (await fetch(`${base}/health/ready`)).status === 200, 15_000, 'ready with NATS');
    // Now the bus is reached; no service answers on this prefix, which is a 503 of another kind.
    const later = await fetch(`${base}/capacity`, { headers: { 'X-Auth-Token': 'a'.repeat(40) } });
    expect(later.status).toBe(503);
    expect(((await later.json()) as { errors: string[] }).errors[0]).not.toMatch(/not reached yet/);
  });

  it("keeps an idle connection open past Node's 5 s, as long as a load balancer in front keeps its own", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status?: number; reused: boolean }>((resolve, reject) => {
        const request = httpGet(`${base}/health/live`, { agent }, (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode, reused: request.reusedSocket }));
        });
        request.on('error', reject);
      });
    expect(await get()).toEqual({ status: 200, reused: false });
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(await get()).toEqual({ status: 200, reused: true });
    agent.destroy();
  });
});
