import { Client } from 'pg';
import { TenancySubjects } from '@flotilla/contracts';
import { busRequester } from '@flotilla/nest-platform';
import {
  eventually,
  freeLoopbackPort,
  openTestEnvironment,
  startServiceProcess,
  TEST_KEYS,
  TestEnvironment,
  waitForHttp,
} from '@flotilla/testing';

describe('batch-orchestrator shutdown', () => {
  let env: TestEnvironment;

  beforeAll(async () => {
    env = await openTestEnvironment('SHUT');
  });

  afterAll(async () => {
    await env.close();
  });

  it('answers every request already in flight when told to stop, then exits cleanly', async () => {
    const healthPort = await freeLoopbackPort();
    const updates = env.siblingStream('UPD');
    const service = startServiceProcess('apps/batch-orchestrator/src/main.ts', {
      NATS_URL: process.env.NATS_URL as string,
      DATABASE_URL: env.db.url,
      BATCH_STREAM: env.stream,
      BATCH_SUBJECT_PREFIX: env.subjectPrefix,
      RPC_SUBJECT_PREFIX: env.rpcPrefix,
      HEALTH_PORT: String(healthPort),
      BATCH_SEED_DEMO_CATALOG: 'false',
      UPDATE_STREAM: updates.stream,
      UPDATE_SUBJECT_PREFIX: updates.subjectPrefix,
    });
    await waitForHttp(`http://127.0.0.1:${healthPort}/health/ready`, service);

    // Hold the read model's checkpoint: commands append their events, then wait to read their own writes.
    const pg = new Client({ connectionString: env.db.url });
    await pg.connect();
    await pg.query('begin');
    await pg.query(`select * from batch_orchestrator.projection_checkpoints where name = 'tenancy' for update`);

    const request = busRequester(env.nc, TEST_KEYS.FLOTILLA_BUS_KEY, { prefix: env.rpcPrefix, timeoutMs: 15_000 });
    const replies = Array.from({ length: 10 }, (_, i) =>
      request<{ name: string }>(TenancySubjects.createOrganization, { name: `org ${i}` }),
    );
    const jsm = await env.nc.jetstreamManager();
    await eventually(
      async () => (await jsm.streams.info(env.stream)).state.messages === 10,
      10_000,
      'all ten commands appended',
    );

    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      service.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    service.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await pg.query('commit');
    await pg.end();

    const answered = await Promise.all(replies);
    expect(answered.every((reply) => reply.ok)).toBe(true);
    // Nest runs its shutdown hooks, then re-raises the signal it was stopped with.
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(service.output()).not.toMatch(/"level":"error"/);
  });
});
