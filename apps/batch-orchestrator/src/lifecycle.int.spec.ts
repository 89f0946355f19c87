import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Reply, TenancySubjects } from '@flotilla/contracts';
import { busRequester } from '@flotilla/nest-platform';
import {
  eventually,
  exitCodeOf,
  metricSamples,
  openTestEnvironment,
  TEST_KEYS,
  TestEnvironment,
} from '@flotilla/testing';
import { spawnOrchestrator, startOrchestratorProcess } from './test-fixtures/orchestrator-fixture';

describe('batch-orchestrator start and stop', () => {
  let env: TestEnvironment;

  beforeAll(async () => {
    env = await openTestEnvironment('LIFE');
  });

  afterAll(async () => {
    await env.close();
  });

  it('takes no request before its handlers are ready: one sent while it starts is not answered, or answered as it should be', async () => {
    const request = busRequester(env.nc, TEST_KEYS.FLOTILLA_BUS_KEY, { prefix: env.rpcPrefix, timeoutMs: 5_000 });
    const replies: Promise<Reply<unknown> | null>[] = [];
    // Requests every few milliseconds from before the process starts until after it says it is ready: the ones
    // sent before it subscribes find no responder; every other must be the query's own answer.
    const ask = () =>
      replies.push(
        request(TenancySubjects.authenticate, { tokenHash: randomBytes(32).toString('hex') }).catch(() => null),
      );
    const timer = setInterval(ask, 3);
    try {
      const { process } = await startOrchestratorProcess(env, { BATCH_SEED_DEMO_CATALOG: 'false' });
      for (let i = 0; i < 20; i++) ask();
      const answered = (await Promise.all(replies)).filter((r): r is Reply<unknown> => r !== null);
      await process.stop();
      expect(answered.length).toBeGreaterThan(20);
      const codes = new Set(answered.map((r) => (r.ok ? 'ok' : r.error.code)));
      expect([...codes]).toEqual(['unauthorized']);
    } finally {
      clearInterval(timer);
    }
  });

  it('answers every request already in flight when told to stop, then exits cleanly', async () => {
    const { process: service } = await startOrchestratorProcess(env, { BATCH_SEED_DEMO_CATALOG: 'false' });

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
    // Held longer than a fixed grace period would wait: what a service has taken, it answers before it goes.
    await new Promise((r) => setTimeout(r, 3_000));
    await pg.query('commit');
    await pg.end();

    const answered = await Promise.all(replies);
    expect(answered.every((reply) => reply.ok)).toBe(true);
    // Nest runs its shutdown hooks, then re-raises the signal it was stopped with.
    expect(await exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(service.output()).not.toMatch(/"level":"error"/);
  });

  it('drops no request that reaches it while it stops: each is answered, or refused at once for want of a responder', async () => {
    const { process: service } = await startOrchestratorProcess(env, { BATCH_SEED_DEMO_CATALOG: 'false' });
    const request = busRequester(env.nc, TEST_KEYS.FLOTILLA_BUS_KEY, { prefix: env.rpcPrefix, timeoutMs: 5_000 });
    const exited = new Promise<void>((resolve) => service.child.once('exit', () => resolve()));
    let running = true;
    void exited.then(() => (running = false));
    // 32 callers in a loop from before the SIGTERM until the process has gone: requests NATS routes to it while its
    // subscriptions close must still be answered, not lost (their callers would wait out the timeout).
    const outcomes: string[] = [];
    const caller = async () => {
      while (running) {
        outcomes.push(
          await request(TenancySubjects.authenticate, { tokenHash: randomBytes(32).toString('hex') }).then(
            (reply) => (reply.ok ? 'ok' : reply.error.code),
            (err: { code?: string }) => (err.code === '503' ? 'no responders' : `lost (${err.code})`),
          ),
        );
      }
    };
    const callers = Array.from({ length: 32 }, caller);
    await new Promise((r) => setTimeout(r, 300));
    const answeredBeforeStop = outcomes.length;
    service.child.kill('SIGTERM');
    await Promise.all(callers);
    const counts: Record<string, number> = {};
    for (const outcome of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
    expect(answeredBeforeStop).toBeGreaterThan(0);
    expect(Object.keys(counts).filter((o) => o !== 'unauthorized' && o !== 'no responders')).toEqual([]);
    expect(counts['no responders']).toBeGreaterThan(0);
  });

  it('shows its stream edited to remove events in its metrics, and will not start on such a stream', async () => {
    const own = await openTestEnvironment('LOSS'); // the stream is spoilt for any later test
    try {
      const { process: service, healthPort } = await startOrchestratorProcess(own, {
        BATCH_SEED_DEMO_CATALOG: 'false',
      });
      const losing = async () =>
        (await metricSamples(`http://127.0.0.1:${healthPort}/metrics`, 'flotilla_event_stream_losing_history')).map(
          ({ labels, value }) => [labels.stream, value],
        );
      try {
        expect(await losing()).toEqual([[own.stream, 0]]);
        const jsm = await own.nc.jetstreamManager();
        const { config } = await jsm.streams.info(own.stream);
        await jsm.streams.update(own.stream, { ...config, max_age: 3600 * 1e9 });
        expect(await losing()).toEqual([[own.stream, 1]]);
      } finally {
        await service.stop();
      }
      const restarted = spawnOrchestrator(own, { BATCH_SEED_DEMO_CATALOG: 'false', HEALTH_PORT: String(healthPort) });
      expect(await exitCodeOf(restarted)).toBe(1);
      expect(restarted.output()).toMatch(/"failed to start".*would lose events: max_age is 3600 s/);
    } finally {
      await own.close();
    }
  });

  /** An orchestrator of an environment of its own, and one check of its readiness as `GET /health/ready` shows it. */
  const withOwnOrchestrator = async (
    prefix: string,
    run: (own: TestEnvironment, ready: (check: string) => Promise<{ status: number; check: unknown }>) => Promise<void>,
  ) => {
    const own = await openTestEnvironment(prefix);
    try {
      const { process: service, healthPort } = await startOrchestratorProcess(own, {
        BATCH_SEED_DEMO_CATALOG: 'false',
      });
      const ready = async (check: string) => {
        const answer = await fetch(`http://127.0.0.1:${healthPort}/health/ready`);
        const { details } = (await answer.json()) as { details: Record<string, unknown> };
        return { status: answer.status, check: details[check] };
      };
      try {
        await run(own, ready);
      } finally {
        await service.stop();
      }
    } finally {
      await own.close();
    }
  };

  it("is not ready while a read model's table is missing, naming it and the read model to rebuild", () =>
    withOwnOrchestrator('TABLE', async (own, ready) => {
      expect(await ready('postgres')).toEqual({ status: 200, check: { status: 'up' } });
      const db = new Client({ connectionString: own.db.url });
      await db.connect();
      try {
        await db.query('drop table batch_orchestrator.device_quarantine');
      } finally {
        await db.end();
      }
      expect(await ready('postgres')).toEqual({
        status: 503,
        check: {
          status: 'down',
          detail:
            'table device_quarantine of read model device_quarantine is missing: ' +
            'rebuild it from the log (flotilla rebuild device_quarantine)',
        },
      });
    }));

  it('is not ready while its stream is gone, saying to restore it, and makes no empty one in its place', () =>
    withOwnOrchestrator('GONE', async (own, ready) => {
      expect(await ready('log')).toEqual({ status: 200, check: { status: 'up' } });
      const jsm = await own.nc.jetstreamManager();
      await jsm.streams.delete(own.stream);
      expect(await ready('log')).toEqual({
        status: 503,
        check: { status: 'down', detail: expect.stringMatching(/is gone .*restore it from a backup/) },
      });
      await expect(jsm.streams.info(own.stream)).rejects.toThrow(/not found/);
    }));
});
