import { DataSource } from 'typeorm';
import { EventStore } from '@flotilla/event-store';
import { eventually, openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { ProjectionRunner } from './projection-runner';
import { rebuildProjection } from './rebuild-projection';
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
