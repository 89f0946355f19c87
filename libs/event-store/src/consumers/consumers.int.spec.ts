import { NatsConnection } from 'nats';
import { connectTestNats, deleteStreams, eventually, uniqueName } from '@flotilla/testing';
import { EventStore } from '../event-store';
import { Commit } from '../recorded-event';
import { ParkedCommit, ParkedStatus, ParkedStore } from './parked-commits';
import { SequentialConsumer, SequentialTarget } from './sequential-consumer';
import { SharedConsumer } from './shared-consumer';

const actor = { actor: 'test' };
const quick = { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 50 };

/** Parked commits in memory: what the runtime records and what an operator decides, for tests of the runtime alone. */
class MemoryParkedStore implements ParkedStore {
  readonly rows = new Map<string, ParkedCommit & { status: ParkedStatus }>();
  private key = (consumer: string, seq: number) => `${consumer}/${seq}`;
  async park(commit: ParkedCommit) {
    this.rows.set(this.key(commit.consumer, commit.streamSeq), { ...commit, status: 'parked' });
  }
  async statusOf(consumer: string, seq: number) {
    return this.rows.get(this.key(consumer, seq))?.status ?? null;
  }
  async retryRequests(consumer: string) {
    return [...this.rows.values()]
      .filter((r) => r.consumer === consumer && r.status === 'retry')
      .map((r) => ({ streamSeq: r.streamSeq, status: r.status }));
  }
  async markRetried(consumer: string, seq: number) {
    const row = this.rows.get(this.key(consumer, seq));
    if (row?.status !== 'retry') return false;
    row.status = 'retried';
    return true;
  }
  async retryFailed(consumer: string, seq: number, error: string) {
    const row = this.rows.get(this.key(consumer, seq));
    if (row) Object.assign(row, { status: 'parked', error });
  }
  async count(consumer: string) {
    return [...this.rows.values()].filter((r) => r.consumer === consumer && r.status === 'parked').length;
  }
}

/** A view in memory with a position, failing on demand. */
function memoryTarget(parked: ParkedStore, fail: (commit: Commit) => unknown = () => null) {
  const applied: number[] = [];
  const retried: number[] = [];
  let position = 0;
  const target: SequentialTarget = {
    position: async () => position,
    apply: async (commits) => {
      for (const commit of commits) {
        const error = fail(commit);
        if (error) throw error;
      }
      for (const commit of commits) applied.push(commit.streamSeq);
      position = commits[commits.length - 1].streamSeq;
      return position;
    },
    park: async (commit) => {
      await parked.park(commit);
      position = commit.streamSeq;
      return position;
    },
    retry: async (commit, status) => {
      retried.push(commit.streamSeq);
      if (status === 'retry') await parked.markRetried('view', commit.streamSeq);
    },
  };
  return { target, applied, retried, setPosition: (p: number) => (position = p) };
}

const transient = () =>
  Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

describe('consumers of the log', () => {
  let nc: NatsConnection;
  let store: EventStore;
  let streamName: string;
  const running: { stop(): Promise<void> }[] = [];
  const append = (id: string, n: number, type = 'Counted') =>
    store.append(store.subjectFor('counter', id), [{ type, data: { n } }], { expectedVersion: 'any', metadata: actor });

  beforeEach(async () => {
    nc = await connectTestNats();
    streamName = uniqueName('CONS');
    store = await EventStore.open(nc, { stream: streamName, subjectPrefix: `evt.${streamName.toLowerCase()}` });
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
    await deleteStreams(nc, streamName);
    await nc.close();
  });

  function sequential(
    target: SequentialTarget,
    parked: ParkedStore,
    options: Partial<ConstructorParameters<typeof SequentialConsumer>[1]> = {},
  ) {
    const consumer = new SequentialConsumer(
      store,
      { name: 'view', batchSize: 7, retry: quick, retryPollMs: 50, parked, ...options },
      target,
    );
    running.push(consumer);
    consumer.start();
    return consumer;
  }

  describe('sequential', () => {
    it("applies in stream order from the target's position, resumes after it, and starts again from an older one", async () => {
      const parked = new MemoryParkedStore();
      for (let i = 1; i <= 30; i++) await append(`c${i % 4}`, i);
      const view = memoryTarget(parked);
      const first = sequential(view.target, parked);
      await eventually(async () => view.applied.length === 30);
      await first.stop();
      for (let i = 31; i <= 40; i++) await append(`c${i % 4}`, i);
      sequential(view.target, parked);
      await eventually(async () => view.applied.length === 40);
      expect(view.applied).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));

      const restored = memoryTarget(parked);
      restored.setPosition(35);
      sequential(restored.target, parked, { name: 'restored' });
      await eventually(async () => restored.applied.length === 5);
      expect(restored.applied).toEqual([36, 37, 38, 39, 40]);
    });

    it('passes over commits holding none of its event types, and its position moves past them', async () => {
      const parked = new MemoryParkedStore();
      await append('a', 1, 'Other');
      await append('a', 2, 'Wanted');
      await append('a', 3, 'Other');
      const seen: number[] = [];
      const view = memoryTarget(parked, (commit) => {
        if (commit.events.length) seen.push(commit.streamSeq);
        return null;
      });
      const consumer = sequential(view.target, parked, { eventTypes: ['Wanted'] });
      await eventually(async () => consumer.health.position === 3);
      expect(seen).toEqual([2]);
    });

    it('applies the first commit after a quiet spell at once, and gathers those that keep coming into one batch', async () => {
      const parked = new MemoryParkedStore();
      const view = memoryTarget(parked);
      const batches: number[] = [];
      const apply = view.target.apply;
      view.target.apply = (commits) => (batches.push(commits.length), apply(commits));
      // Gathering for a minute: a batch applied before that was applied at once, or when the batch was full.
      const consumer = sequential(view.target, parked, { gatherMs: 60_000, batchSize: 20 });
      await append('a', 1);
      await eventually(async () => view.applied.length === 1);
      for (let i = 2; i <= 21; i++) await append('a', i);
      await eventually(async () => view.applied.length === 21);
      expect(batches).toEqual([1, 20]);
      expect(view.applied).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      await append('a', 22);
      await consumer.stop(); // a stop ends the gathering at once
      expect(view.applied).toHaveLength(21);
    });

    it('stops the line while a dependency fails: nothing after the failing commit is applied before it, and nothing is lost', async () => {
      const parked = new MemoryParkedStore();
      for (let i = 1; i <= 40; i++) await append(`c${i % 3}`, i);
      let failures = 0;
      const view = memoryTarget(parked, (commit) => (commit.streamSeq === 17 && failures++ < 4 ? transient() : null));
      const consumer = sequential(view.target, parked, { retry: { ...quick, maxAttempts: 2 } });
      await eventually(async () => consumer.health.failing !== null);
      expect(view.applied.every((seq) => seq < 17)).toBe(true);
      await eventually(async () => view.applied.length === 40);
      expect(view.applied).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(failures).toBe(5);
      expect(parked.rows.size).toBe(0); // a dependency's failure is never the commit's fault, however often it fails
      expect(consumer.health.failing).toBeNull();
    });

    it('reports a failure over once another instance has applied past the commit, though this one never did', async () => {
      const parked = new MemoryParkedStore();
      for (let i = 1; i <= 12; i++) await append('o', i);
      const view = memoryTarget(parked, (commit) => (commit.streamSeq === 5 ? new Error('not here') : null));
      const consumer = sequential(view.target, parked, { retry: { ...quick, maxAttempts: 1_000 } });
      await eventually(async () => consumer.health.failing?.streamSeq === 5);
      // The shared checkpoint moves: another instance applied every commit.
      view.setPosition(12);
      await eventually(async () => consumer.health.failing === null);
      expect(consumer.health.position).toBe(12);
      expect(view.applied).toEqual([1, 2, 3, 4]);
      expect(parked.rows.size).toBe(0);
    });

    it('parks a commit that cannot be applied after its tries, and one that cannot be decoded at once; the rest goes on', async () => {
      const parked = new MemoryParkedStore();
      for (let i = 1; i <= 10; i++) await append('p', i);
      await store.js.publish(store.subjectFor('counter', 'garbled'), Buffer.from('{not json'));
      for (let i = 12; i <= 20; i++) await append('p', i);
      let tries = 0;
      const view = memoryTarget(parked, (commit) =>
        commit.streamSeq === 6 ? (tries++, new TypeError('cannot read properties of undefined')) : null,
      );
      const consumer = sequential(view.target, parked);
      await eventually(async () => consumer.health.position === 20);
      expect(view.applied).toEqual([1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
      // once in its batch, then three times alone: the batch's failure was not known to be its own
      expect(tries).toBe(4);

      const rows = [...parked.rows.values()];
      expect(rows.map((r) => [r.streamSeq, r.attempts, r.status])).toEqual([
        [6, 3, 'parked'],
        [11, 1, 'parked'],
      ]);
      expect(rows[0]).toMatchObject({
        consumer: 'view',
        stream: streamName,
        eventTypes: ['Counted'],
        error: 'TypeError: cannot read properties of undefined',
      });
      expect(rows[1].eventTypes).toEqual([]);
      expect(rows[1].error).toMatch(/JSON/);
      expect((await consumer.report()).alive).toBe(true);
      expect((await consumer.report()).parked).toBe(2);
    });

    it("waits at a newer release's commit without parking or misreading it, and that release applies it", async () => {
      const parked = new MemoryParkedStore();
      // The next release writes Counted at version 2, which this one (version 1) does not know.
      const newer = await EventStore.open(nc, {
        stream: streamName,
        subjectPrefix: `evt.${streamName.toLowerCase()}`,
        schemaVersions: { Counted: 2 },
        upcasters: [{ type: 'Counted', fromVersion: 1, upcast: ({ n }: any) => ({ count: n }) }],
      });
      await append('v', 1);
      await newer.append(newer.subjectFor('counter', 'v'), [{ type: 'Counted', data: { count: 2 } }], {
        expectedVersion: 'any',
        metadata: actor,
      });
      await append('v', 3);
      const seen: Commit[] = [];
      const view = memoryTarget(parked, (commit) => void seen.push(commit));
      const old = sequential(view.target, parked);
      await eventually(async () => (old.health.failing?.attempts ?? 0) >= 3, 10_000, 'waiting at seq 2');
      expect(view.applied).toEqual([1]);
      expect(parked.rows.size).toBe(0);
      expect(old.health.failing?.error).toMatch(/Counted v2 was written by a newer release/);
      await expect(store.readCommit(2)).rejects.toThrow(/newer release/);
      await old.stop();

      const upgraded = new SequentialConsumer(
        newer,
        { name: 'view', batchSize: 7, retry: quick, retryPollMs: 50, parked },
        view.target,
      );
      running.push(upgraded);
      upgraded.start();
      await eventually(async () => view.applied.length === 3);
      expect(view.applied).toEqual([1, 2, 3]);
      expect(parked.rows.size).toBe(0);
      // as each release reads them: the old one its own version, the new one every version upcast to its own
      expect(seen.map((c) => c.events[0].data)).toEqual([{ n: 1 }, { count: 2 }, { count: 3 }]);
    });

    it('waits at a commit of a type it does not know, even one it would pass over, and the release that knows it goes on', async () => {
      const parked = new MemoryParkedStore();
      const opened = (schemaVersions: Record<string, number>) =>
        EventStore.open(nc, { stream: streamName, subjectPrefix: `evt.${streamName.toLowerCase()}`, schemaVersions });
      const current = await opened({ Counted: 1 });
      const newer = await opened({ Counted: 1, Reset: 1 }); // the next release adds an event type
      const subject = current.subjectFor('counter', 't');
      const write = (on: EventStore, type: string) =>
        on.append(subject, [{ type, data: {} }], { expectedVersion: 'any', metadata: actor });
      await write(current, 'Counted');
      await write(newer, 'Reset');
      await write(current, 'Counted');
      await expect(write(current, 'Reset')).rejects.toThrow(/Reset is not in the stream's schema/); // nothing written
      // It reacts to Counted only, so a Reset it knew would be passed over unread; one it does not know is not.
      const options = { name: 'view', batchSize: 7, retry: quick, retryPollMs: 50, parked, eventTypes: ['Counted'] };
      const view = memoryTarget(parked);
      const old = new SequentialConsumer(current, options, view.target);
      running.push(old);
      old.start();
      await eventually(async () => (old.health.failing?.attempts ?? 0) >= 3, 10_000, 'waiting at seq 2');
      expect(view.applied).toEqual([1]);
      expect(old.health.failing?.error).toMatch(
        /Reset v1 was written by a newer release \(this one does not know Reset\)/,
      );
      await expect(current.readAggregate(subject)).rejects.toThrow(/does not know Reset/);
      await old.stop();

      const upgraded = new SequentialConsumer(newer, options, view.target);
      running.push(upgraded);
      upgraded.start();
      await eventually(async () => view.applied.at(-1) === 3);
      expect(parked.rows.size).toBe(0);
    });

    it('reports the figures it cannot get in time as unknown, and does not wait for them', async () => {
      const hung = Object.assign(new MemoryParkedStore(), { count: () => new Promise<number>(() => undefined) });
      const consumer = sequential(memoryTarget(hung).target, hung, { reportWaitMs: 100 });
      const report = await consumer.report();
      expect(report).toMatchObject({ consumer: 'view', parked: null, alive: true });
    });

    it('fails liveness when one apply hangs past the stall limit, and only then', async () => {
      const parked = new MemoryParkedStore();
      await append('h', 1);
      let release: () => void = () => undefined;
      const hanging: SequentialTarget = {
        ...memoryTarget(parked).target,
        apply: () => new Promise((resolve) => (release = () => resolve(1))),
      };
      const consumer = sequential(hanging, parked, { stallAfterMs: 300 });
      expect(consumer.health.liveness().alive).toBe(true);
      await eventually(async () => !consumer.health.liveness().alive, 5_000, 'stalled');
      expect(consumer.health.liveness().reason).toMatch(/one apply has run for/);
      release();
      await eventually(async () => consumer.health.liveness().alive, 5_000, 'alive again');
    });

    it('starts a quiet session again when its consumer is lost, as a node going down loses it, and misses nothing', async () => {
      const parked = new MemoryParkedStore();
      await append('q', 1);
      const view = memoryTarget(parked);
      sequential(view.target, parked);
      await eventually(async () => view.applied.length === 1);
      const [session] = (await store.jsm.consumers.list(streamName).next()).map((c) => c.name);
      await store.jsm.consumers.delete(streamName, session);
      await append('q', 2);
      await append('q', 3);
      await eventually(async () => view.applied.length === 3, 20_000, 'applied after the session started again');
      expect(view.applied).toEqual([1, 2, 3]);
      expect((await store.jsm.consumers.list(streamName).next()).map((c) => c.name)).not.toContain(session);
    });

    it("counts a filtered consumer's lag on its filter alone, between sessions too", async () => {
      const parked = new MemoryParkedStore();
      for (let i = 1; i <= 3; i++) {
        await append('f', i);
        for (let j = 0; j < 20; j++)
          await store.append(store.subjectFor('other', `o${i}-${j}`), [{ type: 'Counted', data: { n: j } }], {
            expectedVersion: 0,
            metadata: actor,
          });
      }
      const view = memoryTarget(parked);
      const filterSubject = store.subjectFor('counter', 'f').replace(/f$/, '>');
      const consumer = new SequentialConsumer(store, { name: 'filtered', filterSubject, parked }, view.target);
      await expect(consumer.lag()).rejects.toThrow(/no session has counted/);
      running.push(consumer);
      consumer.start();
      await eventually(async () => view.applied.length === 3);
      expect(view.applied).toEqual([1, 22, 43]);
      await eventually(async () => (await consumer.lag()) === 0);
      await consumer.stop();
      // No session now: the 20 commits of other subjects after its position are no lag of its own.
      expect(await consumer.lag()).toBe(0);
    });

    it("follows another consumer's deliveries while level with them, each commit applied once and in order, and reads by itself when they stop", async () => {
      const parked = new MemoryParkedStore();
      const sessionsOf = async (name: string) => {
        const names: string[] = [];
        for await (const info of store.jsm.consumers.list(streamName)) names.push(info.config.name ?? info.name);
        return names.filter((n) => n.startsWith(`${name}-`)).length;
      };
      for (let i = 1; i <= 20; i++) await append(`f${i % 3}`, i);
      const view = memoryTarget(parked);
      const leader = sequential(view.target, parked);
      await eventually(async () => view.applied.length === 20);

      // It starts behind the deliveries (the leader took the first twenty before it was followed): by itself first.
      let failures = 0;
      const model = memoryTarget(parked, (commit) => (commit.streamSeq === 35 && failures++ < 2 ? transient() : null));
      const follower = new SequentialConsumer(
        store,
        { name: 'model', batchSize: 7, retry: quick, retryPollMs: 50, parked },
        model.target,
      );
      follower.follow(leader);
      running.push(follower);
      follower.start();
      await eventually(async () => model.applied.length === 20);
      for (let i = 21; i <= 50; i++) await append(`f${i % 3}`, i);
      await eventually(async () => model.applied.length === 50 && view.applied.length === 50);
      expect(model.applied).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(failures).toBe(3); // failed twice while following, retried in place
      // Level with the leader: one JetStream consumer delivers to both.
      await eventually(async () => (await sessionsOf('model')) === 0 && (await sessionsOf('view')) === 1);
      for (let i = 51; i <= 60; i++) await append(`f${i % 3}`, i);
      await eventually(async () => model.applied.length === 60);
      expect(await sessionsOf('model')).toBe(0);

      // The leader stops: the follower finds its deliveries held up and reads the log itself, missing nothing.
      await leader.stop();
      for (let i = 61; i <= 70; i++) await append(`f${i % 3}`, i);
      await eventually(async () => model.applied.length === 70, 20_000);
      expect(model.applied).toEqual(Array.from({ length: 70 }, (_, i) => i + 1));
      expect(view.applied).toHaveLength(60);
      expect(parked.rows.size).toBe(0);
    });

    it('applies a parked commit again when an operator asks, once', async () => {
      const parked = new MemoryParkedStore();
      await append('r', 1);
      await append('r', 2);
      const view = memoryTarget(parked, (commit) => (commit.streamSeq === 1 ? new Error('bad') : null));
      sequential(view.target, parked);
      await eventually(async () => view.applied.includes(2));
      (parked.rows.get('view/1') as { status: ParkedStatus }).status = 'retry';
      await eventually(async () => parked.rows.get('view/1')?.status === 'retried');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(view.retried).toEqual([1]);
    });
  });

  describe('shared', () => {
    function shared(
      handle: (commit: Commit) => Promise<void>,
      parked: ParkedStore,
      options: Partial<ConstructorParameters<typeof SharedConsumer>[1]> = {},
    ) {
      const consumer = new SharedConsumer(
        store,
        { name: 'manager', concurrency: 8, retry: quick, parked, ...options },
        handle,
      );
      running.push(consumer);
      consumer.start();
      return consumer;
    }

    it('keeps its position across restarts: a new start never replays what was handled, nor recreates the consumer', async () => {
      const parked = new MemoryParkedStore();
      const handled: number[] = [];
      for (let i = 1; i <= 5; i++) await append(`s${i}`, i);
      const first = shared(async (c) => void handled.push(c.streamSeq), parked);
      await eventually(async () => handled.length === 5);
      await first.stop();
      const created = (await store.jsm.consumers.info(streamName, 'manager')).created;
      for (let i = 6; i <= 10; i++) await append(`s${i}`, i);
      shared(async (c) => void handled.push(c.streamSeq), parked);
      await eventually(async () => handled.length === 10);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(handled.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      expect((await store.jsm.consumers.info(streamName, 'manager')).created).toBe(created);
    });

    it('shares the commits among instances, and work slower than the ack wait is done once', async () => {
      const parked = new MemoryParkedStore();
      const handled: number[] = [];
      const slow = async (c: Commit) => {
        if (c.streamSeq % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 2_500));
        handled.push(c.streamSeq);
      };
      shared(slow, parked, { ackWaitMs: 1_000 });
      shared(slow, parked, { ackWaitMs: 1_000 });
      for (let i = 1; i <= 40; i++) await append(`s${i % 8}`, i);
      await eventually(async () => handled.length >= 40, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(handled.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    });

    it('keeps the commits waiting their turn behind slow work its own: another instance never handles them too', async () => {
      const parked = new MemoryParkedStore();
      const handled: number[] = [];
      let slowStarted = false;
      for (let i = 1; i <= 4; i++) await append(`w${i}`, i);
      // One at a time: the commits delivered with the first wait for it, longer than the ack wait.
      const options = { ackWaitMs: 1_000, concurrency: 1 };
      shared(
        async (c) => {
          if (c.streamSeq === 1) {
            slowStarted = true;
            await new Promise((resolve) => setTimeout(resolve, 2_500));
          }
          handled.push(c.streamSeq);
        },
        parked,
        options,
      );
      await eventually(async () => slowStarted);
      shared(async (c) => void handled.push(c.streamSeq), parked, options);
      await eventually(async () => handled.length >= 4);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(handled.sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
    });

    it('hands back, when it stops, every commit JetStream sent it, those still on the wire too: none waits out the ack wait', async () => {
      const parked = new MemoryParkedStore();
      const handled = new Set<number>();
      const work = async (c: Commit) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        handled.add(c.streamSeq);
      };
      // The ack wait is far longer than the test waits: a commit lost on its way to the stopping instance fails it.
      const options = { ackWaitMs: 120_000, concurrency: 32 };
      shared(work, parked, options);
      for (let round = 0; round < 5; round++) {
        const leaving = shared(work, parked, options);
        await Promise.all(Array.from({ length: 300 }, (_, i) => append(`r${round}-${i % 50}`, i)));
        await leaving.stop();
      }
      const last = await store.lastSequence();
      await eventually(async () => handled.size === last, 15_000, 'every commit handled');
    });

    it('reports how long its oldest commit in hand has been worked on, so a step that never ends is seen', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const handled: number[] = [];
      const consumer = shared(async (c) => {
        if (c.streamSeq === 2) await held;
        handled.push(c.streamSeq);
      }, new MemoryParkedStore());
      for (let i = 1; i <= 3; i++) await append(`s${i}`, i);
      await eventually(async () => handled.length === 2);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect((await consumer.report()).busySeconds).toBeGreaterThanOrEqual(1.2);
      release();
      await eventually(async () => handled.length === 3);
      expect((await consumer.report()).busySeconds).toBe(0);
    });

    it("holds a failing commit's subject until it is handled or parked; other subjects go on", async () => {
      const parked = new MemoryParkedStore();
      const handled: string[] = [];
      let flaky = 0;
      shared(async (c) => {
        const id = c.subject.split('.').pop();
        const n = (c.events[0].data as { n: number }).n;
        if (id === 'flaky' && n === 1 && flaky++ < 2) throw new Error('not yet');
        if (id === 'poison' && n === 1) throw new Error('never');
        handled.push(`${id}:${n}`);
      }, parked);
      for (const id of ['flaky', 'poison', 'fine']) for (let n = 1; n <= 3; n++) await append(id, n);
      await eventually(async () => handled.length === 8);
      expect(handled.filter((h) => h.startsWith('flaky'))).toEqual(['flaky:1', 'flaky:2', 'flaky:3']);
      expect(handled.filter((h) => h.startsWith('poison'))).toEqual(['poison:2', 'poison:3']);
      expect(handled.filter((h) => h.startsWith('fine'))).toEqual(['fine:1', 'fine:2', 'fine:3']);
      expect([...parked.rows.values()].map((r) => [r.subject.split('.').pop(), r.attempts, r.error])).toEqual([
        ['poison', 3, 'never'],
      ]);
      await eventually(async () => (await store.jsm.consumers.info(streamName, 'manager')).num_ack_pending === 0);
    });
  });
});
