import { DataSource } from 'typeorm';
import { EventStore } from '@flotilla/event-store';
import { eventually, openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { ProjectionRunner } from './projection-runner';
import { createTallySchema, tallyDataSource, tallyProjection } from './test-fixtures/tally-projection';

describe.each(['handlers', 'changeset'] as const)('a projection written by %s, run by several instances', (writing) => {
  let env: TestEnvironment;
  let dataSource: DataSource;
  const schema = 'tally_multi';

  beforeAll(async () => {
    env = await openTestEnvironment('MULTI');
    dataSource = await tallyDataSource(env.db.url, schema).initialize();
    await createTallySchema(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await env.close();
  });

  it('applies every event exactly once and in order, whichever instance gets there first', async () => {
    const store = await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix });
    const runners = [1, 2, 3].map(
      () =>
        new ProjectionRunner(store, dataSource, tallyProjection(schema, undefined, undefined, writing), {
          batchSize: 7,
        }),
    );
    await Promise.all(runners.map((r) => r.start()));
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        store.append(store.subjectFor('tally', `t${i % 5}`), [{ type: 'Counted', data: {} }], {
          expectedVersion: 'any',
          metadata: { actor: 'test' },
        }),
      ),
    );
    const last = await store.lastSequence();
    await eventually(async () => (await runners[0].checkpoint()) === last, 20_000, 'every commit applied');
    await Promise.all(runners.map((r) => r.stop()));

    const totals = await dataSource.query(`select sum(total)::int as sum from ${schema}.tally_totals`);
    expect(totals[0].sum).toBe(300);
    const applied = await dataSource.query(`select count(*)::int as n from ${schema}.tally_applied`);
    expect(applied[0].n).toBe(300);
    const consumers = await (await env.nc.jetstreamManager()).consumers.list(env.stream).next();
    expect(consumers.filter((c) => c.name.startsWith('tally'))).toEqual([]);
  });
});
