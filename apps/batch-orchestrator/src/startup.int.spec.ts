import { randomBytes } from 'node:crypto';
import { Reply, TenancySubjects } from '@flotilla/contracts';
import { busRequester } from '@flotilla/nest-platform';
import { openTestEnvironment, TEST_KEYS, TestEnvironment } from '@flotilla/testing';
import { startOrchestratorProcess } from './test-fixtures/orchestrator-fixture';

describe('batch-orchestrator start-up', () => {
  let env: TestEnvironment;

  beforeAll(async () => {
    env = await openTestEnvironment('BOOT');
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
});
