import { DataSource } from 'typeorm';
import { Decider } from '@flotilla/decider';
import { DomainEvent } from '@flotilla/events';
import {
  AggregateRepository,
  AggregateSnapshot,
  AggregateSnapshotStore,
  EventStore,
  SnapshotPolicy,
} from '@flotilla/event-store';
import { eventually, openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { CreateAggregateSnapshots1767225600700, PostgresAggregateSnapshots } from './aggregate-snapshot-store';
import { runMigrations } from './migrations';

type Added = DomainEvent<'Added', { item: string }>;
const ledger: Decider<{ type: 'Add'; item: string }, { items: string[] }, Added> = {
  initialState: () => ({ items: [] }),
  decide: (command) => [{ type: 'Added', data: { item: command.item } }],
  evolve: (state, event) => ({ items: [...state.items, event.data.item] }),
};

describe('aggregate snapshots', () => {
  let env: TestEnvironment;
  let dataSource: DataSource;
  let store: EventStore;
  let snapshots: PostgresAggregateSnapshots;
  const metadata = { actor: 'test' };
  const policy = (format = 1): SnapshotPolicy => ({ store: snapshots, format, every: 3 });
  const repository = (snapshotPolicy?: SnapshotPolicy<{ items: string[] }>) =>
    new AggregateRepository(store, 'ledger', ledger, undefined, { snapshots: snapshotPolicy });

  beforeAll(async () => {
    env = await openTestEnvironment('SNAP');
    // JetStream's own duplicate window kept short: past it, only the aggregate's history knows a command id.
    store = await EventStore.open(env.nc, {
      stream: env.stream,
      subjectPrefix: env.subjectPrefix,
      duplicateWindowMs: 500,
    });
    dataSource = new DataSource({
      type: 'postgres',
      url: env.db.url,
      schema: 'snapshots',
      migrations: [CreateAggregateSnapshots1767225600700],
    });
    await dataSource.initialize();
    await runMigrations(dataSource);
    snapshots = new PostgresAggregateSnapshots(dataSource, 'snapshots');
  });

  afterAll(async () => {
    await dataSource.destroy();
    await env.close();
  });

  it('loads a long-lived aggregate from its newest snapshot and the commits since, its command ids included', async () => {
    const writer = repository(policy());
    for (let i = 1; i <= 7; i++)
      await writer.execute('a', { type: 'Add', item: `item ${i}` }, { metadata, commandId: `command ${i}` });
    const subject = store.subjectFor('ledger', 'a');
    const sixth = (await store.readAggregate(subject)).commits[5].streamSeq;
    // Taken after the third and the sixth commit, in the background.
    await eventually(
      async () => (await snapshots.newest(store.identity, subject, 1))?.version === sixth,
      5_000,
      'the snapshot of six commits',
    );
    const everything = (await writer.load('a')).state;
    expect(everything.items).toHaveLength(7);

    const reads = jest.spyOn(store, 'aggregateCommits');
    const restarted = repository(policy());
    expect((await restarted.load('a')).state).toEqual(everything);
    // Only the commit after the snapshot was read from the log.
    expect(reads.mock.calls.map(([read, after]) => [read, after])).toEqual([[subject, sixth]]);
    expect((await reads.mock.results[0].value).commits).toHaveLength(1);
    reads.mockRestore();
    // A command recorded before the snapshot is still known: answered with its commit, nothing written again.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const again = await restarted.execute('a', { type: 'Add', item: 'item 2' }, { metadata, commandId: 'command 2' });
    expect(again.duplicate).toBe(true);
    expect(again.state).toEqual(everything);

    // A snapshot of another incarnation of the stream is passed over.
    expect(await snapshots.newest({ ...store.identity, created: new Date(0).toISOString() }, subject, 1)).toBeNull();
    // So is one that tells of commits the stream does not have (a stream restored from an older backup).
    const newest = (await snapshots.newest(store.identity, subject, 1)) as AggregateSnapshot;
    await snapshots.save({ ...newest, version: newest.version + 1_000, state: { items: [] } });
    expect((await repository(policy()).load('a')).state).toEqual(everything);
    // And one that cannot be read.
    await dataSource.query(`update snapshots.aggregate_snapshots set version = $1, data = '{"state":'`, [sixth]);
    expect((await repository(policy()).load('a')).state).toEqual(everything);
    // And one of another state shape; the new shape's snapshot, once taken, replaces the old one's.
    const reread = jest.spyOn(store, 'aggregateCommits');
    expect((await repository(policy(2)).load('a')).state).toEqual(everything);
    expect(reread.mock.calls.map(([read, after]) => [read, after])).toEqual([[subject, 0]]);
    reread.mockRestore();
    await eventually(async () => (await snapshots.newest(store.identity, subject, 2)) ?? undefined, 5_000, 'format 2');
    expect(await snapshots.newest(store.identity, subject, 1)).toBeNull();
  });

  it('looks for no snapshot of an aggregate of one commit, or of none: reading it costs no more', async () => {
    await repository().execute('c', { type: 'Add', item: 'c 1' }, { metadata });
    const lookups = jest.spyOn(snapshots, 'newest');
    expect((await repository(policy()).load('c')).state).toEqual({ items: ['c 1'] });
    expect((await repository(policy()).load('d')).state).toEqual({ items: [] });
    expect(lookups).not.toHaveBeenCalled();
    await repository().execute('c', { type: 'Add', item: 'c 2' }, { metadata });
    expect((await repository(policy()).load('c')).state).toEqual({ items: ['c 1', 'c 2'] });
    expect(lookups).toHaveBeenCalledTimes(1);
    lookups.mockRestore();
  });

  it('reads an aggregate from the log alone when its snapshot cannot be read (Postgres away)', async () => {
    const writer = repository(policy());
    for (let i = 1; i <= 4; i++) await writer.execute('e', { type: 'Add', item: `e ${i}` }, { metadata });
    const closed = new DataSource({ type: 'postgres', url: env.db.url, schema: 'snapshots' });
    await closed.initialize();
    await closed.destroy();
    const errors: unknown[] = [];
    const away = new PostgresAggregateSnapshots(closed, 'snapshots');
    const reader = repository({ store: away, format: 1, every: 3, onReadError: (err) => errors.push(err) });
    expect((await reader.load('e')).state).toEqual((await writer.load('e')).state);
    expect(errors).toHaveLength(1);
  });

  it('drops the snapshot of an aggregate that has ended, and takes none while it stays so', async () => {
    const subject = store.subjectFor('ledger', 'f');
    const ending = repository({ ...policy(), ended: (state: { items: string[] }) => state.items.includes('end') });
    for (let i = 1; i <= 3; i++) await ending.execute('f', { type: 'Add', item: `f ${i}` }, { metadata });
    await eventually(async () => (await snapshots.newest(store.identity, subject, 1)) ?? undefined, 5_000, 'one');
    const saves = jest.spyOn(snapshots, 'save');
    await ending.execute('f', { type: 'Add', item: 'end' }, { metadata });
    await eventually(async () => (await snapshots.newest(store.identity, subject, 1)) === null, 5_000, 'dropped');
    for (let i = 1; i <= 3; i++) await ending.execute('f', { type: 'Add', item: `after ${i}` }, { metadata });
    expect(saves).not.toHaveBeenCalled();
    saves.mockRestore();
    expect(await snapshots.newest(store.identity, subject, 1)).toBeNull();
    expect((await repository(policy()).load('f')).state.items).toHaveLength(7);
  });

  it('drops the snapshot of an aggregate that ends while its last snapshot is still being written', async () => {
    const subject = store.subjectFor('ledger', 'h');
    // Saves that take their time: the drop after one must wait for it, or the save would put the snapshot back.
    const slow: AggregateSnapshotStore = {
      newest: (...args) => snapshots.newest(...args),
      save: async (snapshot) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        await snapshots.save(snapshot);
      },
      drop: (...args) => snapshots.drop(...args),
    };
    const ending = repository({ store: slow, format: 1, every: 3, ended: (state) => state.items.includes('end') });
    for (let i = 1; i <= 3; i++) await ending.execute('h', { type: 'Add', item: `h ${i}` }, { metadata });
    await ending.execute('h', { type: 'Add', item: 'end' }, { metadata });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await snapshots.newest(store.identity, subject, 1)).toBeNull();
  });

  it('keeps a snapshot in place of those of older formats of its aggregate, never of a newer one', async () => {
    const subject = store.subjectFor('ledger', 'g');
    const taken = { stream: store.identity, subject, version: 1, state: { items: [] }, commandIds: [] };
    for (const format of [1, 3, 2]) await snapshots.save({ ...taken, format });
    const formats = await dataSource.query(
      `select format from snapshots.aggregate_snapshots where subject = $1 order by format`,
      [subject],
    );
    expect(formats.map((row: { format: number }) => row.format)).toEqual([2, 3]);
    await snapshots.drop(store.identity, subject);
    expect(await dataSource.query(`select 1 from snapshots.aggregate_snapshots where subject = $1`, [subject])).toEqual(
      [],
    );
  });

  it('snapshots an aggregate with many command ids less often: a sixteenth of their number in commits apart', async () => {
    const saves = jest.spyOn(snapshots, 'save');
    const everyCommit = repository({ store: snapshots, format: 1, every: 1 });
    for (let i = 1; i <= 64; i++)
      await everyCommit.execute('b', { type: 'Add', item: `b ${i}` }, { metadata, commandId: `b ${i}` });
    // One after each of the first 16 commits; then once the commits since the last reach a sixteenth of the ids.
    const expected: number[] = [];
    let since = 0;
    for (let n = 1; n <= 64; n++) {
      since++;
      if (since >= Math.max(1, n / 16)) {
        expected.push(n);
        since = 0;
      }
    }
    // Written one after the other in the background.
    await eventually(async () => saves.mock.calls.length >= expected.length, 5_000, 'every save');
    // Each command recorded one id, so a snapshot's ids say after which commit it was taken.
    const takenAfter = saves.mock.calls.map(([snapshot]) => snapshot.commandIds.length);
    saves.mockRestore();
    expect(takenAfter).toEqual(expected);
    expect(expected.length).toBeLessThan(64);
  });

  it("snapshots an aggregate whose commands were decided on a view's state, which caches nothing, all the same", async () => {
    const viewed = repository(policy());
    const subject = store.subjectFor('ledger', 'v');
    let known = { state: { items: [] as string[] }, version: 0 };
    for (let i = 1; i <= 2; i++) {
      const { version } = await viewed.executeFrom('v', known, { type: 'Add', item: `v ${i}` }, { metadata });
      known = { state: { items: [...known.state.items, `v ${i}`] }, version };
    }
    expect(await snapshots.newest(store.identity, subject, 1)).toBeNull();
    // The third, a snapshot's worth, has the aggregate read in the background: cached, and snapshotted at the third.
    const { version: third } = await viewed.executeFrom('v', known, { type: 'Add', item: 'v 3' }, { metadata });
    await eventually(
      async () => (await snapshots.newest(store.identity, subject, 1))?.version === third,
      5_000,
      'the snapshot of three commits',
    );
    expect((await snapshots.newest(store.identity, subject, 1))?.state).toEqual({ items: ['v 1', 'v 2', 'v 3'] });
  });
});
