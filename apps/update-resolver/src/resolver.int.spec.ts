import { INestApplication } from '@nestjs/common';
import { freeLoopbackPort, openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { NatsConnection } from 'nats';
import { createResolver } from './bootstrap';
import { NATS_CONNECTION } from './infrastructure.module';
import { testConfig } from './test-fixtures/test-config';

describe('update-resolver start-up', () => {
  let app: INestApplication;
  let env: TestEnvironment;
  let port: number;

  beforeAll(async () => {
    env = await openTestEnvironment('UPD');
    port = await freeLoopbackPort();
    app = await createResolver({ ...testConfig(env), healthPort: port, logLevel: 'error' });
  });

  afterAll(async () => {
    await app.close();
    await env.close();
  });

  it('creates its event stream and schema, and reports ready', async () => {
    const info = await (await env.nc.jetstreamManager()).streams.info(env.stream);
    expect(info.config.subjects).toEqual([`${env.subjectPrefix}.>`]);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      details: {
        nats: { status: 'up' },
        postgres: { status: 'up' },
        serving: { status: 'up' },
        consumers: { status: 'up', detail: { fleet_view: { alive: true, failing: null } } },
      },
    });
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
  });

  it('reports not ready when Postgres is gone, and still alive: restarting it would not bring Postgres back', async () => {
    await env.db.drop();
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'error',
      error: { postgres: { status: 'down' } },
      info: { nats: { status: 'up' } },
    });
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
  });

  it('fails liveness once its NATS connection is closed for good', async () => {
    await app.get<NatsConnection>(NATS_CONNECTION).close();
    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    expect(live.status).toBe(503);
    expect(await live.json()).toMatchObject({ status: 'error', error: { nats: { status: 'down' } } });
  });
});
