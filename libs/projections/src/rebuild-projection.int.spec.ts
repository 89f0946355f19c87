import { DataSource } from 'typeorm';
import { EventStore } from '@flotilla/event-store';
import { eventually, openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { PostgresParkedStore } from './parked-store';
import { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';
import { rebuildProjection, verifyProjection } from './rebuild-projection';
import { createTallySchema, tallyDataSource, tallyProjection } from './test-fixtures/tally-projection';

describe('rebuildProjection', () => {
  let env: TestEnvironment;
  let dataSource: DataSource;
  let store: EventStore;
  const schema = 'tally_rb';
  const append = (id: string) =>
    store.append(store.subjectFor('tally', id), [{ type: 'Counted', data: {} }], {
      expectedVersion: 'any',
      metadata: { actor: 'test' },
    });
  const totals = async () =>
    Object.fromEntries(
      (await dataSource.query(`select id, total from ${schema}.tally_totals order by id`)).map(
        (r: { id: string; total: number }) => [r.id, r.total],
      ),
    );

  beforeAll(async () => {
    env = await openTestEnvironment('RB');
    dataSource = await tallyDataSource(env.db.url, schema).initialize();
    await createTallySchema(dataSource);
    store = await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix });
  });

  afterAll(async () => {
    await dataSource.destroy();
    await env.close();
  });

  it('replays into fresh tables and swaps them in while the live projection keeps running', async () => {
    for (let i = 0; i < 60; i++) await append(`t${i % 3}`);
    const live = new ProjectionRunner(store, dataSource, tallyProjection(schema), { batchSize: 10 });
    await live.start();
    await eventually(async () => (await live.checkpoint()) === 60);
    // Corrupt the live read model: the rebuild must restore it from the log alone.
    await dataSource.query(`update ${schema}.tally_totals set total = 999`);

    const progress: number[] = [];
    const writer = (async () => {
      for (let i = 0; i < 20; i++) await append(`t${i % 3}`);
    })();
    const { position } = await rebuildProjection(store, dataSource, tallyProjection(schema), {
      batchSize: 7,
      onProgress: (p) => progress.push(p),
    });
    await writer;
    await eventually(async () => (await live.checkpoint()) === 80);
    await live.stop();

    expect(position).toBeGreaterThanOrEqual(60);
    expect(progress.length).toBeGreaterThan(1);
    expect(await totals()).toEqual({ t0: 27, t1: 27, t2: 26 });
    const [{ rows }] = await dataSource.query(`select count(*)::int as rows from ${schema}.tally_applied`);
    expect(rows).toBe(80);
    const leftovers = await dataSource.query(
      `select table_name from information_schema.tables where table_schema = $1 and table_name like '%\\_\\_%'`,
      [schema],
    );
    expect(leftovers).toEqual([]);
    const [{ reloptions }] = await dataSource.query(
      `select reloptions from pg_class where oid = '${schema}.tally_totals'::regclass`,
    );
    expect(reloptions).toEqual(['fillfactor=70']);
  });

  it('stops at a commit no handler can apply, naming it, and leaves the live read model as it was', async () => {
    const before = await totals();
    const [{ last_seq: checkpoint }] = await dataSource.query(
      `select last_seq from ${schema}.projection_checkpoints where name = 'tally'`,
    );
    for (let i = 0; i < 10; i++) await append(`t${i % 3}`);
    const poisoned = await store.append(
      store.subjectFor('tally', 't0'),
      [{ type: 'Counted', data: { poison: true } }],
      {
        expectedVersion: 'any',
        metadata: { actor: 'test' },
      },
    );
    for (let i = 0; i < 30; i++) await append(`t${i % 3}`);

    const failure = await rebuildProjection(store, dataSource, tallyProjection(schema), { batchSize: 7 }).catch(
      (err: Error) => err.message,
    );
    const [, from, until] =
      /^rebuilding tally failed in commits (\d+)–(\d+): a poisoned tally$/.exec(String(failure)) ?? [];
    expect(Number(from)).toBeLessThanOrEqual(poisoned.commit.streamSeq);
    expect(Number(until)).toBeGreaterThanOrEqual(poisoned.commit.streamSeq);
    expect(await totals()).toEqual(before);
    expect(
      await dataSource.query(`select last_seq from ${schema}.projection_checkpoints where name = 'tally'`),
    ).toEqual([{ last_seq: checkpoint }]);
  });
});

describe('a rebuild or a verify beside a live read model', () => {
  let env: TestEnvironment;
  let dataSource: DataSource;
  let store: EventStore;
  let live: ProjectionRunner;
  let cured = false;
  const schema = 'tally_beside';
  const append = (id: string, data: { poison?: boolean } = {}) =>
    store.append(store.subjectFor('tally', id), [{ type: 'Counted', data }], {
      expectedVersion: 'any',
      metadata: { actor: 'test' },
    });
  /** The tally projection, its replay into copies (`__next`, `__verify_`) held at its first event until `open`. */
  const held = () => {
    const projection = tallyProjection(schema, undefined, () => cured);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let reached!: () => void;
    const waiting = new Promise<void>((resolve) => (reached = resolve));
    const counted = projection.handlers.Counted!;
    const gated: Projection = {
      ...projection,
      handlers: {
        Counted: async (event, context) => {
          if (/__(next|verify_)/.test(context.table('tally_totals'))) {
            reached();
            await gate;
          }
          await counted(event, context);
        },
      },
    };
    return { projection: gated, open, waiting };
  };
  const totals = async () =>
    (await dataSource.query(`select sum(total)::int as total from ${schema}.tally_totals`))[0].total as number;

  beforeAll(async () => {
    env = await openTestEnvironment('BESIDE');
    dataSource = await tallyDataSource(env.db.url, schema).initialize();
    await createTallySchema(dataSource);
    store = await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix });
    const retry = { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 50 };
    live = new ProjectionRunner(
      store,
      dataSource,
      tallyProjection(schema, undefined, () => cured),
      { retry },
    );
    await live.start();
  });

  afterAll(async () => {
    await live.stop();
    await dataSource.destroy();
    await env.close();
  });

  it('verifies without holding the live read model back while it replays the log', async () => {
    for (let i = 0; i < 40; i++) await append(`t${i % 3}`);
    await eventually(async () => (await live.checkpoint()) === 40, 10_000, 'applied');
    const { projection, open, waiting } = held();
    // An operator's tool with a pool of two connections: the lock's, and one at a time for the work.
    const narrow = await tallyDataSource(env.db.url, schema).setOptions({ poolSize: 2 }).initialize();
    const verifying = verifyProjection(store, narrow, projection).finally(() => narrow.destroy());
    await waiting; // the replay has begun, and waits
    await append('t0');
    await eventually(async () => (await live.checkpoint()) === 41, 10_000, 'applied while the log was replayed');
    open();
    // Compared where the live read model stood once the replay was done: the commit that came meanwhile included.
    expect(await verifying).toMatchObject({ position: 41, differences: [] });
  });

  it('compares in one snapshot of the live read model, which goes on applying meanwhile', async () => {
    for (let i = 0; i < 5; i++) await append(`t${i % 3}`);
    const start = await store.lastSequence();
    await eventually(async () => (await live.checkpoint()) === start, 10_000, 'applied');
    // The shadow's replay is held twice: at its first commit (running ahead), and at the first commit past `start`
    // (the last commits, replayed in the snapshot the comparison is made in).
    const projection = tallyProjection(schema, undefined, () => cured);
    const counted = projection.handlers.Counted!;
    const signal = () => {
      let resolve!: () => void;
      return { promise: new Promise<void>((r) => (resolve = r)), resolve: () => resolve() };
    };
    const gates = [signal(), signal()];
    const reached = [signal(), signal()];
    const gated: Projection = {
      ...projection,
      handlers: {
        Counted: async (event, context) => {
          if (context.table('tally_totals').includes('__verify_')) {
            const gate = event.streamSeq > start ? 1 : 0;
            reached[gate].resolve();
            await gates[gate].promise;
          }
          await counted(event, context);
        },
      },
    };
    const verifying = verifyProjection(store, dataSource, gated);
    await reached[0].promise;
    await append('t1'); // applied by the live read model while the shadow runs ahead: replayed in the snapshot
    await eventually(async () => (await live.checkpoint()) === start + 1, 10_000, 'applied while running ahead');
    gates[0].resolve();
    await reached[1].promise;
    // The snapshot is taken: the live read model applies on, its checkpoint's lock free.
    await append('t2');
    await append('t0');
    await eventually(async () => (await live.checkpoint()) === start + 3, 10_000, 'applied while compared');
    gates[1].resolve();
    expect(await verifying).toMatchObject({ position: start + 1, differences: [] });
    expect(await verifyProjection(store, dataSource, projection)).toMatchObject({
      position: start + 3,
      differences: [],
    });
  });

  it('refuses a second rebuild, or a second verify, of a read model while one runs, saying so', async () => {
    for (let i = 0; i < 3; i++) await append(`t${i % 3}`);
    for (const run of [rebuildProjection, verifyProjection]) {
      const { projection, open, waiting } = held();
      const first = run(store, dataSource, projection);
      await waiting;
      await expect(run(store, dataSource, tallyProjection(schema))).rejects.toThrow(
        `a ${run === rebuildProjection ? 'rebuild' : 'verify'} of ${schema}.tally is running already`,
      );
      open();
      await first;
      await run(store, dataSource, tallyProjection(schema)); // and once it is over, the next runs
    }
  });

  it('stops a rebuild during which a commit it had replayed was parked, saying so, and changes nothing', async () => {
    for (let i = 0; i < 3; i++) await append(`t${i % 3}`);
    const last = await store.lastSequence();
    await eventually(async () => (await live.checkpoint()) === last, 10_000, 'applied');
    const before = await totals();
    const { projection, open, waiting } = held();
    const rebuilding = rebuildProjection(store, dataSource, projection).catch((err: Error) => err.message);
    await waiting;
    // As the live runner parks a commit (here one the replay has passed already), under the checkpoint's lock.
    const parked = new PostgresParkedStore(dataSource, schema);
    const commit = await store.readCommit(last);
    const stream = await store.currentIdentity();
    const at = new Date();
    await parked.parkIn(dataSource, {
      consumer: 'tally',
      stream: stream.name,
      streamCreated: stream.created,
      streamSeq: last,
      subject: commit.subject,
      eventTypes: ['Counted'],
      error: 'TypeError: a poisoned tally',
      attempts: 2,
      firstFailedAt: at,
      lastFailedAt: at,
    });
    open();
    expect(await rebuilding).toBe(`commit ${last} was parked while the rebuild replayed the log: rebuild again`);
    expect(await totals()).toBe(before);
    await dataSource.query(`delete from ${schema}.parked_commits where stream_seq = $1`, [last]);
  });

  it("rebuilds with a parked commit that an operator's retry applied while the log was replayed, once", async () => {
    for (let i = 0; i < 5; i++) await append(`t${i % 3}`); // for the rebuild's replay to be held at
    const poisoned = await append('t1', { poison: true });
    const seq = poisoned.commit.streamSeq;
    const parked = new PostgresParkedStore(dataSource, schema);
    await eventually(async () => (await parked.list()).some((p) => p.streamSeq === seq), 10_000, 'parked');
    const before = await totals();
    const { projection, open, waiting } = held();
    const rebuilding = rebuildProjection(store, dataSource, projection);
    await waiting; // replaying, the parked commit passed over
    cured = true;
    expect(await parked.decide('tally', seq, 'retry', 'test')).toBe(true);
    await eventually(async () => (await totals()) === before + 1, 10_000, 'retried in the live read model');
    open();
    await rebuilding;
    expect(await totals()).toBe(before + 1);
    expect(
      (
        await verifyProjection(
          store,
          dataSource,
          tallyProjection(schema, undefined, () => cured),
        )
      ).differences,
    ).toEqual([]);
  });
});
