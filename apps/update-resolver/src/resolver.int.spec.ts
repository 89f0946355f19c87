import { INestApplication } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { JsonLogger } from '@flotilla/nest-platform';
import { connectTestNats, createTestDatabase, deleteStreams, freeLoopbackPort, TestDatabase, uniqueName } from '@flotilla/testing';
import { createResolver } from './bootstrap';
import { configFromEnv } from './config';

describe('update-resolver start-up', () => {
  let app: INestApplication;
  let nc: NatsConnection;
  let db: TestDatabase;
  let stream: string;
  let port: number;

  beforeAll(async () => {
    nc = await connectTestNats();
    db = await createTestDatabase();
    stream = uniqueName('UPD');
    port = await freeLoopbackPort();
    const config = { ...configFromEnv({ NATS_URL: process.env.NATS_URL, DATABASE_URL: db.url }), stream, subjectPrefix: `evt.${stream.toLowerCase()}` };
    app = await createResolver(config, new JsonLogger('update-resolver', ['error']));
    await app.listen(port, '127.0.0.1');
  });

  afterAll(async () => {
    await app.close();
    await db.drop();
    await deleteStreams(nc, stream, `${stream}_COMMANDS`);
    await nc.close();
  });

  it('creates its event stream and schema, and reports ready', async () => {
    const info = await (await nc.jetstreamManager()).streams.info(stream);
    expect(info.config.subjects).toEqual([`evt.${stream.toLowerCase()}.>`]);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { nats: { ok: true }, postgres: { ok: true }, event_stream: { ok: true } } });
  });

  it('reports not ready when Postgres is gone', async () => {
    await db.drop();
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, checks: { postgres: { ok: false } } });
  });
});
