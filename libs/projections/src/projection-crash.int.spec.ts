import { spawn } from 'node:child_process';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { EventStore } from '@flotilla/event-store';
import { eventually, openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { ProjectionRunner } from './projection-runner';
import { openReadModelDatabase } from './read-model-database';
import { createTallySchema, tallyDataSource, tallyMigrations, tallyProjection } from './test-fixtures/tally-projection';

const ROOT = path.resolve(__dirname, '../../..');

/** Appends `count` tally events to one tally's subject. */
const count = (store: EventStore, tally: string, events = 1) =>
  store.append(
    store.subjectFor('tally', tally),
    Array.from({ length: events }, () => ({ type: 'Counted', data: {} })),
    { expectedVersion: 'any', metadata: { actor: 'test' } },
  );

/**
 * Starts the tally projection in a process of its own that crashes (or freezes) as `env` says; `crashedAt` resolves
 * with the position it stopped at, `exit` with how the process ended.
 */
function startCrashingProjection(env: Record<string, string>) {
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
  const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  const exit = new Promise<NodeJS.Signals | number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal ?? code);
    });
  });
  let output = '';
  const crashedAt = new Promise<number>((resolve) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const crashed = /crashing at (\d+)/.exec(output);
      if (crashed) resolve(Number(crashed[1]));
    });
    void exit.then(() => resolve(NaN));
  });
  return { child, crashedAt, exit, crashes: () => output.match(/crashing at \d+/g) ?? [] };
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
      events += (i % 3) + 1;
      await count(store, `t${i % 4}`, (i % 3) + 1);
    }

    const crashing = startCrashingProjection({
      NATS_URL: process.env.NATS_URL as string,
      DATABASE_URL: env.db.url,
      STREAM: env.stream,
      SCHEMA: schema,
      CRASH_AT: crashAt,
      CRASH_AFTER_SEQ: '50',
      WRITING: writing,
    });
    const outcome = { exit: await crashing.exit, crashedAt: await crashing.crashedAt };
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

describe('a projection frozen inside its transaction (a paused process, or one cut off from Postgres)', () => {
  let env: TestEnvironment;
  let dataSource: DataSource;
  let store: EventStore;
  const schema = 'tally_frozen';

  beforeAll(async () => {
    env = await openTestEnvironment('FROZEN');
    dataSource = await openReadModelDatabase({ url: env.db.url, schema, migrations: tallyMigrations, migrate: true });
    store = await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix });
  });

  afterAll(async () => {
    await dataSource.destroy();
    await env.close();
  });

  it("holds the checkpoint's lock only until Postgres ends its idle session: another instance goes on", async () => {
    for (let i = 0; i < 60; i++) await count(store, `t${i % 4}`);
    const frozen = startCrashingProjection({
      NATS_URL: process.env.NATS_URL as string,
      DATABASE_URL: env.db.url,
      STREAM: env.stream,
      SCHEMA: schema,
      CRASH_AT: 'freeze',
      CRASH_AFTER_SEQ: '1',
      IDLE_IN_TRANSACTION_MS: '1000',
    });
    try {
      // Stopped between its writes and its commit: its session holds the checkpoint row, idle in its transaction.
      expect(await frozen.crashedAt).toBeGreaterThanOrEqual(1);
      const runner = new ProjectionRunner(store, dataSource, tallyProjection(schema), { batchSize: 25 });
      await runner.start();
      await eventually(async () => (await runner.checkpoint()) === 60, 15_000, 'the other instance caught up');
      await runner.stop();
      // ...while the frozen one is still there, stopped: the line did not wait for it to be killed.
      expect({ code: frozen.child.exitCode, signal: frozen.child.signalCode }).toEqual({ code: null, signal: null });
      // Woken, it finds its session gone, a dependency's failure, not its batch's: it reads on from the checkpoint
      // the other instance left, and applies the next commit (stopping again before it commits) with nothing parked.
      frozen.child.kill('SIGCONT');
      await count(store, 't0');
      await eventually(async () => frozen.crashes().at(-1) === 'crashing at 61', 15_000, 'the woken instance went on');
      const [{ parked }] = await dataSource.query(`select count(*)::int as parked from ${schema}.parked_commits`);
      expect(parked).toBe(0);
      // The frozen batch was rolled back with its session: every event counted once.
      const [{ total }] = await dataSource.query(`select sum(total)::int as total from ${schema}.tally_totals`);
      expect(total).toBe(60);
    } finally {
      frozen.child.kill('SIGKILL');
      await frozen.exit;
    }
  });
});
