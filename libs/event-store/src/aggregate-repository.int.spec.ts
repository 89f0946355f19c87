import { NatsConnection } from 'nats';
import { Decider, DomainError } from '@flotilla/decider';
import { connectTestNats, deleteStreams, uniqueName } from '@flotilla/testing';
import { AggregateRepository } from './aggregate-repository';
import { IdempotencyMismatchError } from './errors';
import { EventStore } from './event-store';

type AccountEvent = { type: 'Deposited'; data: { amount: number } } | { type: 'Withdrawn'; data: { amount: number } };
type AccountCommand = { type: 'Deposit'; amount: number } | { type: 'Withdraw'; amount: number };

/** A balance that may not go below zero: refusals depend on the newest state. */
const account: Decider<AccountCommand, { balance: number }, AccountEvent> = {
  initialState: () => ({ balance: 0 }),
  decide(command, state) {
    if (command.type === 'Deposit') return [{ type: 'Deposited', data: { amount: command.amount } }];
    if (command.amount > state.balance)
      throw DomainError.conflict(`balance ${state.balance} is less than ${command.amount}`);
    return [{ type: 'Withdrawn', data: { amount: command.amount } }];
  },
  evolve: (state, event) => ({
    balance: state.balance + (event.type === 'Deposited' ? event.data.amount : -event.data.amount),
  }),
};
const metadata = { actor: 'test' };

describe('AggregateRepository', () => {
  let nc: NatsConnection;
  let store: EventStore;
  let stream: string;

  beforeEach(async () => {
    nc = await connectTestNats();
    stream = uniqueName('AGG');
    // A dedupe window of one second: idempotency past it is the aggregate's own history, nothing else.
    store = await EventStore.open(nc, {
      stream,
      subjectPrefix: `evt.${stream.toLowerCase()}`,
      duplicateWindowMs: 1_000,
    });
  });

  afterEach(async () => {
    await deleteStreams(nc, stream);
    await nc.close();
  });

  it('group commit: decides commands in order on one state, writes one commit, refuses a command alone', async () => {
    const accounts = new AggregateRepository(store, 'account', account);
    const asked = (n: number) => ({ actor: `teller-${n}`, correlationId: `request-${n}`, causationId: `event-${n}` });
    const outcomes = await accounts.executeMany('a', [
      { command: { type: 'Deposit', amount: 10 }, metadata: asked(1) },
      { command: { type: 'Withdraw', amount: 4 }, metadata: asked(2) },
      { command: { type: 'Withdraw', amount: 7 }, metadata: asked(3) },
      { command: { type: 'Withdraw', amount: 6 }, metadata: asked(4) },
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, true]);
    expect(outcomes.filter((o) => o.ok).map((o) => (o.ok ? o.events.map((e) => e.data) : []))).toEqual([
      [{ amount: 10 }],
      [{ amount: 4 }],
      [{ amount: 6 }],
    ]);
    const { commits } = await store.readAggregate(store.subjectFor('account', 'a'));
    expect(commits).toHaveLength(1);
    // Read back from the log, each event names the command that asked for it, not the group's first.
    expect(commits[0].events.map((e) => e.metadata)).toEqual([1, 2, 4].map((n) => ({ ...asked(n), commandId: null })));
    expect((await accounts.load('a')).state.balance).toBe(0);
    // Metadata that names no correlation gets one made up, once: the events given it share it, others get their own.
    const anonymous = { actor: 'teller' };
    await accounts.executeMany('a', [
      { command: { type: 'Deposit', amount: 1 }, metadata: anonymous },
      { command: { type: 'Deposit', amount: 2 }, metadata: anonymous },
      { command: { type: 'Deposit', amount: 3 }, metadata: { actor: 'teller' } },
    ]);
    const [, grouped] = (await store.readAggregate(store.subjectFor('account', 'a'))).commits;
    const [first, second, third] = grouped.events.map((e) => e.metadata.correlationId);
    expect(first).toBe(second);
    expect(third).not.toBe(first);
  });

  it('group commit: a group whose events would not fit in one message is written as several commits, in order', async () => {
    type Note = { type: 'Noted'; data: { text: string } };
    const notes: Decider<{ type: 'Note'; text: string }, { count: number }, Note> = {
      initialState: () => ({ count: 0 }),
      decide: (command) => [{ type: 'Noted', data: { text: command.text } }],
      evolve: (state) => ({ count: state.count + 1 }),
    };
    const repository = new AggregateRepository(store, 'notes', notes);
    // Ten notes of 100 KB: about 1 MB of events, more than one JetStream message holds.
    const texts = Array.from({ length: 10 }, (_, i) => String(i).repeat(100_000));
    const outcomes = await repository.executeMany(
      'n',
      texts.map((text) => ({ command: { type: 'Note' as const, text }, metadata })),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const { commits } = await store.readAggregate(store.subjectFor('notes', 'n'));
    expect(commits.length).toBeGreaterThan(1);
    expect(commits.flatMap((c) => c.events.map((e) => (e.data as { text: string }).text))).toEqual(texts);
    expect((await repository.load('n')).state.count).toBe(10);
  });

  it("commits a command's events at the time it was decided at, alone or in a group", async () => {
    // A decider that records the time it is given; a clock a millisecond on at every reading.
    const stamped: Decider<{ type: 'Stamp' }, null, { type: 'Stamped'; data: { at: string } }> = {
      initialState: () => null,
      decide: (_command, _state, { now }) => [{ type: 'Stamped', data: { at: now.toISOString() } }],
      evolve: (state) => state,
    };
    let tick = Date.parse('2026-01-01T00:00:00Z');
    const stamps = new AggregateRepository(store, 'stamp', stamped, () => new Date(tick++));
    const alone = await stamps.execute('s', { type: 'Stamp' }, { metadata });
    const grouped = await stamps.executeMany('s', [
      { command: { type: 'Stamp' }, metadata },
      { command: { type: 'Stamp' }, metadata },
    ]);
    const { commits } = await store.readAggregate(store.subjectFor('stamp', 's'));
    expect(commits.map((c) => [c.time, c.events.map((e) => (e.data as { at: string }).at)])).toEqual([
      [alone.events[0].time, [alone.events[0].time]],
      [commits[1].time, [commits[1].time, commits[1].time]],
    ]);
    expect(grouped.every((o) => o.ok)).toBe(true);
  });

  it('two instances with stale caches: conflicts are retried on fresh state, refusals are decided on it', async () => {
    const [one, two] = [
      new AggregateRepository(store, 'account', account),
      new AggregateRepository(store, 'account', account),
    ];
    await one.execute('b', { type: 'Deposit', amount: 5 }, { metadata });
    await two.load('b'); // two caches balance 5
    await one.execute('b', { type: 'Deposit', amount: 5 }, { metadata }); // two's cache is now stale
    // On its stale cache (5) this withdrawal would be refused; on the newest state (10) it is allowed.
    expect((await two.execute('b', { type: 'Withdraw', amount: 8 }, { metadata })).state.balance).toBe(2);
    const outcomes = await Promise.all([
      one.executeMany('b', [
        { command: { type: 'Deposit', amount: 1 }, metadata },
        { command: { type: 'Withdraw', amount: 3 }, metadata },
      ]),
      two.executeMany('b', [{ command: { type: 'Deposit', amount: 2 }, metadata }]),
    ]);
    expect(outcomes.flat().every((o) => o.ok)).toBe(true);
    expect((await one.load('b')).state.balance).toBe(2);
  });

  it('group commit: reads nothing before a group it appends while no other writer is met; a group it would only refuse is decided again on the log', async () => {
    const [one, two] = [
      new AggregateRepository(store, 'account', account),
      new AggregateRepository(store, 'account', account),
    ];
    await one.execute('g', { type: 'Deposit', amount: 5 }, { metadata });
    const reads = jest.spyOn(store, 'aggregateCommits');
    // The append on the cached state (5) proves it the newest: the refusal beside it stands without a read.
    const grouped = await one.executeMany('g', [
      { command: { type: 'Withdraw', amount: 2 }, metadata },
      { command: { type: 'Withdraw', amount: 9 }, metadata },
    ]);
    expect(grouped.map((o) => o.ok)).toEqual([true, false]);
    expect(reads).not.toHaveBeenCalled();
    // Another instance deposits: on one's stale cache (3) a withdrawal of 9 would be refused, and nothing appended
    // proves that cache right, so the log is read and the withdrawal allowed on the newest state (13).
    await two.execute('g', { type: 'Deposit', amount: 10 }, { metadata });
    const [allowed] = await one.executeMany('g', [{ command: { type: 'Withdraw', amount: 9 }, metadata }]);
    expect(allowed.ok && allowed.state.balance).toBe(4);
    expect(reads).toHaveBeenCalled();
    // On the newest state a refusal is the answer.
    const [refused] = await one.executeMany('g', [{ command: { type: 'Withdraw', amount: 5 }, metadata }]);
    expect(refused.ok).toBe(false);
    // A group that meets another writer's commit is decided again on the log, and the next group reads first, until
    // a read finds nothing new: with two writers at it, the cache would mostly be stale.
    await two.execute('g', { type: 'Deposit', amount: 1 }, { metadata });
    await one.executeMany('g', [{ command: { type: 'Deposit', amount: 1 }, metadata }]);
    const readCount = () => reads.mock.calls.length;
    let before = readCount();
    await one.executeMany('g', [{ command: { type: 'Deposit', amount: 1 }, metadata }]);
    expect(readCount()).toBe(before + 1);
    before = readCount();
    await one.executeMany('g', [{ command: { type: 'Deposit', amount: 1 }, metadata }]);
    expect(readCount()).toBe(before);
    expect((await two.load('g')).state.balance).toBe(8);
    reads.mockRestore();
  });

  it("answers a command id found in the aggregate's history with its first commit, long after the dedupe window", async () => {
    const accounts = new AggregateRepository(store, 'account', account);
    const options = { metadata, commandId: 'pay-1', fingerprint: 'f' };
    const first = await accounts.execute('c', { type: 'Deposit', amount: 7 }, options);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // Another instance (no cache) and this one (cached) both recognise the id from the log itself.
    for (const repository of [new AggregateRepository(store, 'account', account), accounts]) {
      const again = await repository.execute('c', { type: 'Deposit', amount: 7 }, options);
      expect(again.duplicate).toBe(true);
      expect(again.events.map((e) => e.id)).toEqual(first.events.map((e) => e.id));
      expect(again.state.balance).toBe(7);
    }
    await expect(
      accounts.execute('c', { type: 'Deposit', amount: 9 }, { ...options, fingerprint: 'other' }),
    ).rejects.toBeInstanceOf(IdempotencyMismatchError);
    expect((await store.readAggregate(store.subjectFor('account', 'c'))).commits).toHaveLength(1);
  });

  it('writes a command id once when instances race with stale caches, whatever the dedupe window', async () => {
    const instances = [1, 2, 3].map(() => new AggregateRepository(store, 'account', account));
    await instances[0].execute('d', { type: 'Deposit', amount: 1 }, { metadata });
    await Promise.all(instances.map((r) => r.load('d')));
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const results = await Promise.all(
      instances.map((r) => r.execute('d', { type: 'Deposit', amount: 5 }, { metadata, commandId: 'once' })),
    );
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect((await instances[1].load('d')).state.balance).toBe(6);
  });

  it('creates an aggregate without reading it first; an instance that does not know one decides on its real state', async () => {
    const reads = jest.spyOn(store, 'aggregateCommits');
    const creator = new AggregateRepository(store, 'account', account);
    expect((await creator.execute('e', { type: 'Deposit', amount: 3 }, { metadata })).version).toBeGreaterThan(0);
    expect(reads).not.toHaveBeenCalled();
    // A cold instance first takes the account to be new: its deposit conflicts, is decided again on the log, and
    // a withdrawal refused on an empty account is allowed on the real one.
    const cold = () => new AggregateRepository(store, 'account', account);
    expect((await cold().execute('e', { type: 'Deposit', amount: 4 }, { metadata })).state.balance).toBe(7);
    expect((await cold().execute('e', { type: 'Withdraw', amount: 6 }, { metadata })).state.balance).toBe(1);
    await expect(cold().execute('e', { type: 'Withdraw', amount: 2 }, { metadata })).rejects.toThrow('balance 1');
    expect((await store.readAggregate(store.subjectFor('account', 'e'))).commits).toHaveLength(3);
    reads.mockRestore();
  });

  it('reads an aggregate it is told exists before deciding: a cold instance decides once, on the real state', async () => {
    await new AggregateRepository(store, 'account', account).execute('f', { type: 'Deposit', amount: 5 }, { metadata });
    const decide = jest.spyOn(account, 'decide');
    const cold = new AggregateRepository(store, 'account', account);
    const options = { metadata, exists: true };
    expect((await cold.execute('f', { type: 'Withdraw', amount: 2 }, options)).state.balance).toBe(3);
    expect(decide).toHaveBeenCalledTimes(1);
    decide.mockRestore();
  });

  it("decides on a view's state of an aggregate it has not cached without reading it; a stale view costs a read", async () => {
    const writer = new AggregateRepository(store, 'account', account);
    const { version } = await writer.execute('v', { type: 'Deposit', amount: 5 }, { metadata });
    const reads = jest.spyOn(store, 'aggregateCommits');
    const lasts = jest.spyOn(store, 'lastCommitOf');
    const cold = () => new AggregateRepository(store, 'account', account);
    // The view is current: one append, no read, and nothing cached from a state that need be whole only in what the
    // command reads (here a balance right only in allowing the withdrawal): the next command reads the log.
    const viewed = cold();
    const first = await viewed.executeFrom(
      'v',
      { state: { balance: 50 }, version },
      { type: 'Withdraw', amount: 2 },
      {
        metadata,
      },
    );
    expect(first.events.map((e) => e.data)).toEqual([{ amount: 2 }]);
    expect(reads).not.toHaveBeenCalled();
    expect(lasts).not.toHaveBeenCalled();
    expect((await viewed.load('v')).state.balance).toBe(3);
    // The view is behind (it says 5 at the first commit): the append is refused and the command decided on the log,
    // where the withdrawal the view would allow is refused.
    await expect(
      cold().executeFrom('v', { state: { balance: 5 }, version }, { type: 'Withdraw', amount: 4 }, { metadata }),
    ).rejects.toThrow('balance 3');
    // A refusal on the view's state is not the answer either: it is decided again on the log.
    const allowed = await cold().executeFrom(
      'v',
      { state: { balance: 0 }, version: first.version },
      { type: 'Withdraw', amount: 3 },
      { metadata },
    );
    expect(allowed.events.map((e) => e.data)).toEqual([{ amount: 3 }]);
    // An aggregate in the cache is decided on the cache, whatever the view says.
    const cached = cold();
    await cached.load('v');
    await expect(
      cached.executeFrom(
        'v',
        { state: { balance: 100 }, version: allowed.version },
        { type: 'Withdraw', amount: 1 },
        {
          metadata,
        },
      ),
    ).rejects.toThrow('balance 0');
    expect((await store.readAggregate(store.subjectFor('account', 'v'))).commits).toHaveLength(3);
    reads.mockRestore();
    lasts.mockRestore();
  });

  it('hands out states frozen all the way down, a state read from a long log frozen once, not after each commit', async () => {
    // A state that grows with its history: freezing it after each commit of a read would cost the square of the log.
    type Logbook = { entries: number[] };
    const seen: boolean[] = [];
    const logbook: Decider<{ type: 'Note' }, Logbook, { type: 'Noted'; data: { n: number } }> = {
      initialState: () => ({ entries: [] }),
      decide: (_command, state) => [{ type: 'Noted', data: { n: state.entries.length } }],
      evolve: (state, event) => {
        seen.push(Object.isFrozen(state.entries));
        return { entries: [...state.entries, event.data.n] };
      },
    };
    const writer = new AggregateRepository(store, 'logbook', logbook);
    for (let i = 0; i < 20; i++) {
      const { state } = await writer.execute('l', { type: 'Note' }, { metadata });
      expect(Object.isFrozen(state) && Object.isFrozen(state.entries)).toBe(true);
    }
    seen.length = 0;
    const { state } = await new AggregateRepository(store, 'logbook', logbook).load('l');
    expect(state.entries).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(Object.isFrozen(state) && Object.isFrozen(state.entries)).toBe(true);
    // Only the state the read starts from is frozen (the initial one); the 19 made on the way are not.
    expect(seen).toEqual([true, ...Array.from({ length: 19 }, () => false)]);
  });

  it('folds a long history a slice at a time, letting the rest of the process run between slices', async () => {
    const writer = new AggregateRepository(store, 'account', account);
    for (let i = 0; i < 1_000; i++) await writer.execute('long', { type: 'Deposit', amount: 1 }, { metadata });
    const { commits, version } = await store.readAggregate(store.subjectFor('account', 'long'));
    // Handed over all at once, as a delivery the size of the whole history would be.
    jest.spyOn(store, 'aggregateCommits').mockResolvedValueOnce({ commits, version });
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const turnOfEachFold: number[] = [];
    const counting = {
      ...account,
      evolve: (...args: Parameters<typeof account.evolve>) => {
        turnOfEachFold.push(turns);
        return account.evolve(...args);
      },
    };
    const { state } = await new AggregateRepository(store, 'account', counting).load('long');
    ticking = false;
    expect(state.balance).toBe(1_000);
    const foldsPerTurn = [...new Set(turnOfEachFold)].map((turn) => turnOfEachFold.filter((t) => t === turn).length);
    expect(Math.max(...foldsPerTurn)).toBeLessThanOrEqual(256);
    expect(foldsPerTurn.length).toBeGreaterThanOrEqual(4);
  });
});
