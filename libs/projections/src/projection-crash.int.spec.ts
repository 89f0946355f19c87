import { spawn } from 'node:child_process';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { EventStore } from '@flotilla/event-store';
import { eventually, openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { ProjectionRunner } from './projection-runner';
import { createTallySchema, tallyDataSource, tallyProjection } from './test-fixtures/tally-projection';

const ROOT = path.resolve(__dirname, '../../..');

function runCrashingProjection(
  env: Record<string, string>,
): Promise<{ exit: NodeJS.Signals | number | null; crashedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        path.join(__dirname, 'test-fixtures/crashing-projection.main.ts'),
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          ...env,
          TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.spec.json'),
          TS_NODE_COMPILER_OPTIONS: '{"ignoreDeprecations":"6.0"}',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ exit: signal ?? code, crashedAt: Number(/crashing at (\d+)/.exec(output)?.[1] ?? NaN) });
    });
  });
}

describe.each([
  ['before-commit', 'handlers'],
  ['after-commit', 'handlers'],
  ['before-commit', 'changeset'],
  ['after-commit', 'changeset'],
] as const)('a projection killed %s, written by %s', (crashAt, writing) => {
  let env: TestEnvironment;
  let dataSource: DataSource;
  let store: EventStore;
  const schema = 'tally_rm';

  beforeAll(async () => {
    env = await openTestEnvironment('PROJ');
    dataSource = await tallyDataSource(env.db.url, schema).initialize();
    await createTallySchema(dataSource);
    store = await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix });
  });

  afterAll(async () => {
    await dataSource.destroy();
    await env.close();
  });

  it('applies every event exactly once after a restart', async () => {
    let events = 0;
    for (let i = 0; i < 120; i++) {
      const count = (i % 3) + 1;
      events += count;
      const batch = Array.from({ length: count }, () => ({ type: 'Counted', data: {} }));
      await store.append(store.subjectFor('tally', `t${i % 4}`), batch, {
        expectedVersion: 'any',
        metadata: { actor: 'test' },
      });
    }

    const outcome = await runCrashingProjection({
      NATS_URL: process.env.NATS_URL as string,
      DATABASE_URL: env.db.url,
      STREAM: env.stream,
      SCHEMA: schema,
      CRASH_AT: crashAt,
      CRASH_AFTER_SEQ: '50',
      WRITING: writing,
    });
    expect(outcome.exit).toBe('SIGKILL');
    expect(outcome.crashedAt).toBeGreaterThanOrEqual(50);

    const checkpointAfterCrash = Number(
      (await dataSource.query(`select last_seq from ${schema}.projection_checkpoints where name = 'tally'`))[0]
        .last_seq,
    );
    const appliedAfterCrash = Number((await dataSource.query(`select count(*) from ${schema}.tally_applied`))[0].count);
    // Rows exist exactly up to the committed checkpoint: the killed batch left nothing behind, or everything.
    if (crashAt === 'before-commit') expect(checkpointAfterCrash).toBeLessThan(outcome.crashedAt);
    else expect(checkpointAfterCrash).toBe(outcome.crashedAt);
    const expectedRows = Number(
      (
        await dataSource.query(`select count(*) from ${schema}.tally_applied where stream_seq <= $1`, [
          checkpointAfterCrash,
        ])
      )[0].count,
    );
    expect(appliedAfterCrash).toBe(expectedRows);

    const runner = new ProjectionRunner(store, dataSource, tallyProjection(schema, undefined, undefined, writing), {
      batchSize: 25,
    });
    await runner.start();
    await eventually(async () => (await runner.checkpoint()) === 120, 20_000, 'projection caught up');
    await runner.stop();

    const [{ total }] = await dataSource.query(`select sum(total)::int as total from ${schema}.tally_totals`);
    const [{ rows }] = await dataSource.query(`select count(*)::int as rows from ${schema}.tally_applied`);
    expect(total).toBe(events);
    expect(rows).toBe(events);
  });
});
