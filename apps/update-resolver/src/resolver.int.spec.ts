import { INestApplication } from '@nestjs/common';
import { JsonLogger } from '@flotilla/nest-platform';
import { freeLoopbackPort, openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { createResolver } from './bootstrap';
import { configFromEnv } from './config';

describe('update-resolver start-up', () => {
  let app: INestApplication;
  let env: TestEnvironment;
  let port: number;

  beforeAll(async () => {
    env = await openTestEnvironment('UPD');
    port = await freeLoopbackPort();
    const batches = env.siblingStream('BATCH');
    const config = {
      ...configFromEnv({ NATS_URL: process.env.NATS_URL, DATABASE_URL: env.db.url }),
      stream: env.stream,
      subjectPrefix: env.subjectPrefix,
      batchStream: batches.stream,
      batchSubjectPrefix: batches.subjectPrefix,
    };
    app = await createResolver(config, new JsonLogger('update-resolver', ['error']));
    await app.listen(port, '127.0.0.1');
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
    expect(await ready.json()).toMatchObject({ ready: true, checks: { nats: { ok: true }, postgres: { ok: true }, event_stream: { ok: true } } });
  });

  it('reports not ready when Postgres is gone', async () => {
    await env.db.drop();
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, checks: { postgres: { ok: false } } });
  });
});
