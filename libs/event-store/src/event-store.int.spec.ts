import { UpdateEventSchema } from '@flotilla/events';
import { AckPolicy, DeliverPolicy, DiscardPolicy, headers, NatsConnection } from 'nats';
import { connectTestNats, deleteStreams, uniqueName } from '@flotilla/testing';
import { ConcurrencyError, IdempotencyMismatchError, NewerEventVersionError } from './errors';
import { isTransient } from './consumers/failures';
import { EVENT_TYPES_HEADER, EventStore } from './event-store';
import { Commit } from './recorded-event';

const actor = { actor: 'test' };
const counted = (n: number) => ({ type: 'Counted', data: { n } });

describe('EventStore on JetStream', () => {
  let nc: NatsConnection;
  let store: EventStore;
  let streamName: string;

  beforeEach(async () => {
    nc = await connectTestNats();
    streamName = uniqueName('ES');
    store = await EventStore.open(nc, { stream: streamName, subjectPrefix: `evt.${streamName.toLowerCase()}` });
  });

  afterEach(async () => {
    await deleteStreams(nc, streamName, `${streamName}_COMMANDS`);
    await nc.close();
  });

  it('creates the stream as an append-only event log', async () => {
    const info = await store.jsm.streams.info(streamName);
    expect(info.config).toMatchObject({
      discard: 'new',
      deny_delete: true,
      deny_purge: true,
      max_age: 0,
      max_msgs: -1,
    });
  });

  it("refuses to start on another log's subjects, saying which setting parts them", async () => {
    const other = uniqueName('ES');
    try {
      await expect(
        EventStore.open(nc, { stream: other, subjectPrefix: `evt.${streamName.toLowerCase()}` }),
      ).rejects.toThrow(/another stream on this NATS holds those subjects .*BATCH_SUBJECT_PREFIX/);
    } finally {
      await deleteStreams(nc, other);
    }
  });

  it('protects the events of a stream made by hand from deletion and purging, saying so', async () => {
    const handMade = uniqueName('ES');
    const subjectPrefix = `evt.${handMade.toLowerCase()}`;
    try {
      await store.jsm.streams.add({ name: handMade, subjects: [`${subjectPrefix}.>`], discard: DiscardPolicy.New });
      const warned: string[] = [];
      const opened = await EventStore.open(nc, { stream: handMade, subjectPrefix, warn: (m) => warned.push(m) });
      await opened.append(opened.subjectFor('thing', 'a'), [{ type: 'Made', data: {} }], {
        expectedVersion: 0,
        metadata: { actor: 'test' },
      });
      expect(warned).toEqual([expect.stringMatching(/deny_delete and deny_purge off, .*turned on/)]);
      await expect(store.jsm.streams.purge(handMade)).rejects.toThrow(/purge not permitted/);
      await expect(store.jsm.streams.deleteMessage(handMade, 1)).rejects.toThrow(/not permitted|denied/);
      expect((await store.jsm.streams.info(handMade)).state.messages).toBe(1);
      // Said once: the next start finds it protected.
      await EventStore.open(nc, { stream: handMade, subjectPrefix, warn: (m) => warned.push(m) });
      expect(warned).toHaveLength(1);
    } finally {
      await deleteStreams(nc, handMade);
    }
  });

  it('finds a stream edited to drop history, and refuses to open it, saying which setting would', async () => {
    const info = await store.jsm.streams.info(streamName);
    expect(await store.historyLosses()).toEqual([]);
    await store.jsm.streams.update(streamName, { ...info.config, max_age: 3600 * 1e9 });
    // Found by the store already open (its services' metrics ask at every scrape), and refused by one opening.
    expect(await store.historyLosses()).toEqual([expect.stringMatching(/^max_age is 3600 s/)]);
    await expect(
      EventStore.open(nc, { stream: streamName, subjectPrefix: `evt.${streamName.toLowerCase()}` }),
    ).rejects.toThrow(new RegExp(`^stream ${streamName} would lose events: max_age is 3600 s`));
  });

  it('refuses to open its stream under a subject prefix the stream was not made for', async () => {
    await expect(EventStore.open(nc, { stream: streamName, subjectPrefix: 'evt.renamed' })).rejects.toThrow(
      new RegExp(
        `^stream ${streamName} holds evt\\.${streamName.toLowerCase()}\\.>, not this service's evt\\.renamed\\.>`,
      ),
    );
  });

  it('lets exactly one of two concurrent appends at the same version win', async () => {
    const subject = store.subjectFor('counter', 'a');
    const first = await store.append(subject, [counted(0)], { expectedVersion: 0, metadata: actor });
    const results = await Promise.allSettled([
      store.append(subject, [counted(1)], { expectedVersion: first.commit.streamSeq, metadata: actor }),
      store.append(subject, [counted(2)], { expectedVersion: first.commit.streamSeq, metadata: actor }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toBeInstanceOf(ConcurrencyError);
    expect(rejected[0].reason.expectedVersion).toBe(first.commit.streamSeq);
    const { commits } = await store.readAggregate(subject);
    expect(commits).toHaveLength(2);
  });

  it('refuses to create an aggregate that already exists (expected version 0)', async () => {
    const subject = store.subjectFor('counter', 'b');
    await store.append(subject, [counted(0)], { expectedVersion: 0, metadata: actor });
    await expect(store.append(subject, [counted(1)], { expectedVersion: 0, metadata: actor })).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
  });

  it('writes a repeated command once and answers the repeat with the first result', async () => {
    const subject = store.subjectFor('counter', 'c');
    const options = { expectedVersion: 'any' as const, metadata: actor, commandId: 'cmd-1', fingerprint: 'f1' };
    const first = await store.append(subject, [counted(1)], options);
    const again = await store.append(subject, [counted(1)], options);
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.commit.streamSeq).toBe(first.commit.streamSeq);
    expect(again.commit.events.map((e) => e.id)).toEqual(first.commit.events.map((e) => e.id));
    expect(await store.lastSequence()).toBe(1);
  });

  it('writes once when the same command arrives concurrently', async () => {
    const subject = store.subjectFor('counter', 'd');
    const options = { expectedVersion: 'any' as const, metadata: actor, commandId: 'cmd-2', fingerprint: 'f' };
    const results = await Promise.all(Array.from({ length: 10 }, () => store.append(subject, [counted(1)], options)));
    expect(new Set(results.map((r) => r.commit.streamSeq)).size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await store.lastSequence()).toBe(1);
  });

  it('refuses a command id reused for a different request', async () => {
    const subject = store.subjectFor('counter', 'e');
    await store.append(subject, [counted(1)], {
      expectedVersion: 'any',
      metadata: actor,
      commandId: 'k',
      fingerprint: 'a',
    });
    await expect(
      store.append(subject, [counted(2)], {
        expectedVersion: 'any',
        metadata: actor,
        commandId: 'k',
        fingerprint: 'b',
      }),
    ).rejects.toBeInstanceOf(IdempotencyMismatchError);
    expect(await store.lastSequence()).toBe(1);
  });

  it('loads an aggregate of 1,000 events, unaffected by other aggregates', async () => {
    const subject = store.subjectFor('counter', 'big');
    let version = 0;
    for (let commit = 0; commit < 100; commit++) {
      const events = Array.from({ length: 10 }, (_, i) => counted(commit * 10 + i));
      ({
        commit: { streamSeq: version },
      } = await store.append(subject, events, { expectedVersion: version, metadata: actor }));
      await store.append(store.subjectFor('counter', `other-${commit}`), [counted(-1)], {
        expectedVersion: 0,
        metadata: actor,
      });
    }
    const { commits, version: loaded } = await store.readAggregate(subject);
    const events = commits.flatMap((c) => c.events);
    expect(loaded).toBe(version);
    expect(events).toHaveLength(1000);
    expect(events.map((e) => (e.data as { n: number }).n)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(new Set(events.map((e) => e.aggregateId))).toEqual(new Set(['big']));
  });

  it("hands a long aggregate's commits on as they are read, and a reader that stops early leaves no read behind", async () => {
    const subject = store.subjectFor('counter', 'streamed');
    let version = 0;
    for (let n = 0; n < 600; n++)
      ({
        commit: { streamSeq: version },
      } = await store.append(subject, [counted(n)], { expectedVersion: version, metadata: actor }));
    const reads = async () => (await store.jsm.consumers.list(streamName).next()).length;
    const { commits, version: last } = await store.aggregateCommits(subject);
    expect(last).toBe(version);
    const seen: number[] = [];
    for await (const commit of commits) {
      seen.push((commit.events[0].data as { n: number }).n);
      // Past the commits fetched one by one, the ordered read is still going: nothing waits for the whole history.
      if (seen.length === 100) expect(await reads()).toBe(1);
      if (seen.length === 300) break;
    }
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(await reads()).toBe(0);
  });

  it('reads only the commits after a known version', async () => {
    const subject = store.subjectFor('counter', 'f');
    const a = await store.append(subject, [counted(1)], { expectedVersion: 0, metadata: actor });
    await store.append(subject, [counted(2)], { expectedVersion: a.commit.streamSeq, metadata: actor });
    const { commits } = await store.readAggregate(subject, a.commit.streamSeq);
    expect(commits.map((c) => (c.events[0].data as { n: number }).n)).toEqual([2]);
  });

  it('reads a new aggregate, or one commit past a known version, in one request', async () => {
    const subject = store.subjectFor('counter', 'g');
    const a = await store.append(subject, [counted(1)], { expectedVersion: 0, metadata: actor });
    await store.append(store.subjectFor('counter', 'other'), [counted(-1)], { expectedVersion: 0, metadata: actor });
    await store.append(subject, [counted(2)], { expectedVersion: a.commit.streamSeq, metadata: actor });
    await store.append(subject, [counted(3)], { expectedVersion: 'any', metadata: actor });
    // Every get, direct or through the JetStream API (the last commit comes one way or the other, as the stream's
    // replicas allow), is one request.
    const direct = (store.jsm as unknown as { direct: { getMessage: () => unknown } }).direct;
    const gets = [jest.spyOn(direct, 'getMessage'), jest.spyOn(store.jsm.streams, 'getMessage')];
    const requests = () => gets.reduce((n, spy) => n + spy.mock.calls.length, 0);
    const read = async (subjectOf: string, after: number) => {
      const before = requests();
      const commits = (await store.readAggregate(subjectOf, after)).commits.map(
        (c) => (c.events[0].data as { n: number }).n,
      );
      return { commits, requests: requests() - before };
    };

    const fresh = store.subjectFor('counter', 'h');
    await store.append(fresh, [counted(7)], { expectedVersion: 0, metadata: actor });
    expect(await read(fresh, 0)).toEqual({ commits: [7], requests: 1 });
    const g = store.subjectFor('counter', 'g2');
    const first = await store.append(g, [counted(8)], { expectedVersion: 0, metadata: actor });
    await store.append(g, [counted(9)], { expectedVersion: first.commit.streamSeq, metadata: actor });
    expect(await read(g, first.commit.streamSeq)).toEqual({ commits: [9], requests: 1 });
    // A last commit appended without a version, or after commits the reader has not seen, is read the long way.
    expect(await read(subject, 0)).toEqual({ commits: [1, 2, 3], requests: 3 });
    expect(await read(subject, a.commit.streamSeq)).toEqual({ commits: [2, 3], requests: 2 });
    expect(await read(g, 0)).toEqual({ commits: [8, 9], requests: 2 });
  });

  it('takes the last commit only from the stream itself, not from a mirror that answers its direct gets', async () => {
    // A mirror with `mirror_direct` joins the stream's direct gets; this one holds none of the aggregate's commits,
    // so about half the gets would be answered that the aggregate does not exist.
    const subject = store.subjectFor('counter', 'm');
    const elsewhere = store.subjectFor('counter', 'elsewhere');
    await store.append(elsewhere, [counted(0)], { expectedVersion: 0, metadata: actor });
    const first = await store.append(subject, [counted(1)], { expectedVersion: 0, metadata: actor });
    const second = await store.append(subject, [counted(2)], {
      expectedVersion: first.commit.streamSeq,
      metadata: actor,
    });
    const mirror = `${streamName}_MIRROR`;
    await store.jsm.streams.add({
      name: mirror,
      mirror: { name: streamName, filter_subject: elsewhere },
      mirror_direct: true,
      allow_direct: true,
    });
    try {
      for (let i = 0; i < 30; i++) {
        const { commits, version } = await store.readAggregate(subject);
        expect({ events: commits.map((c) => (c.events[0].data as { n: number }).n), version }).toEqual({
          events: [1, 2],
          version: second.commit.streamSeq,
        });
        expect(await store.lastCommitOf(subject)).toMatchObject({
          seq: second.commit.streamSeq,
          appendedAt: first.commit.streamSeq,
        });
      }
    } finally {
      await store.jsm.streams.delete(mirror);
    }
  });

  it('fails a read whose request goes unanswered at once, without asking the leader as well', async () => {
    const subject = store.subjectFor('counter', 'u');
    await store.append(subject, [counted(1)], { expectedVersion: 0, metadata: actor });
    const other = await connectTestNats();
    const gone = await EventStore.open(other, { stream: streamName, subjectPrefix: `evt.${streamName.toLowerCase()}` });
    await other.close();
    const api = jest.spyOn(gone.jsm.streams, 'getMessage');
    await expect(gone.readAggregate(subject)).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect(api).not.toHaveBeenCalled();
  });

  it("tells the sequence of the log's last commit on a filter, wildcards too, 0 for none", async () => {
    const prefix = `evt.${streamName.toLowerCase()}`;
    const first = await store.append(store.subjectFor('tally', 'a'), [counted(1)], {
      expectedVersion: 0,
      metadata: actor,
    });
    const second = await store.append(store.subjectFor('tally', 'b'), [counted(2)], {
      expectedVersion: 0,
      metadata: actor,
    });
    await store.append(store.subjectFor('other', 'c'), [counted(3)], { expectedVersion: 0, metadata: actor });
    expect(await store.lastSequenceOn(`${prefix}.tally.>`)).toBe(second.commit.streamSeq);
    expect(await store.lastSequenceOn(`${prefix}.tally.a`)).toBe(first.commit.streamSeq);
    expect(await store.lastSequenceOn(`${prefix}.none.>`)).toBe(0);
  });

  it('replays the log in order from a sequence and from a time', async () => {
    for (let i = 1; i <= 20; i++) {
      await store.append(store.subjectFor('counter', `r${i % 3}`), [counted(i)], {
        expectedVersion: 'any',
        metadata: actor,
      });
      if (i === 10) await new Promise((r) => setTimeout(r, 30));
    }
    const all: Commit[] = [];
    for await (const commit of store.readRange({ fromSeq: 1 })) all.push(commit);
    expect(all.map((c) => c.streamSeq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(all.map((c) => (c.events[0].data as { n: number }).n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    const fromSeq: number[] = [];
    for await (const commit of store.readRange({ fromSeq: 15 })) fromSeq.push(commit.streamSeq);
    expect(fromSeq).toEqual([15, 16, 17, 18, 19, 20]);

    const fromTime: number[] = [];
    for await (const commit of store.readRange({ fromTime: new Date(all[10].time) })) fromTime.push(commit.streamSeq);
    expect(fromTime).toEqual(Array.from({ length: 10 }, (_, i) => i + 11));
  });

  it('reads a range far longer than the messages a reader may hold unacknowledged', async () => {
    const from = (await store.lastSequence()) + 1;
    const subject = store.subjectFor('counter', 'long');
    for (let i = 0; i < 5_000; i += 250)
      await Promise.all(
        Array.from({ length: 250 }, (_, j) =>
          store.append(subject, [counted(i + j)], { expectedVersion: 'any', metadata: actor }),
        ),
      );
    let read = 0;
    for await (const commit of store.readRange({ fromSeq: from })) read += commit.events.length;
    expect(read).toBe(5_000);
  });

  it('reads on, in order and each commit once, when its consumer is lost or starts over beneath it', async () => {
    const subject = store.subjectFor('counter', 'lost');
    for (let i = 0; i < 3_000; i += 250)
      await Promise.all(
        Array.from({ length: 250 }, (_, j) =>
          store.append(subject, [counted(i + j)], { expectedVersion: 'any', metadata: actor }),
        ),
      );
    const consumers = async () => (await store.jsm.consumers.list(streamName).next()).map((c) => c.name);
    const seen: number[] = [];
    for await (const message of store.readMessages({ fromSeq: 1 })) {
      seen.push(message.seq);
      // What a cluster node restarting does to a reader's consumer, which it held in memory: it is gone ...
      if (seen.length === 5) for (const name of await consumers()) await store.jsm.consumers.delete(streamName, name);
      // ... or there again, delivering from its start sequence once more.
      if (seen.length === 1_500) {
        const [name] = await consumers();
        await store.jsm.consumers.delete(streamName, name);
        await store.jsm.consumers.add(streamName, {
          name,
          ack_policy: AckPolicy.All,
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: 1,
          mem_storage: true,
        });
      }
    }
    expect(seen).toEqual(Array.from({ length: 3_000 }, (_, i) => i + 1));
    expect(await consumers()).toEqual([]);
  }, 30_000);

  it('hands its own readers a commit it appended without parsing it again; one written by another it parses', async () => {
    const from = (await store.lastSequence()) + 1;
    const subject = store.subjectFor('counter', 'own');
    const other = await EventStore.open(nc, { stream: streamName, subjectPrefix: `evt.${streamName.toLowerCase()}` });
    const { commit: own } = await store.append(subject, [counted(1)], { expectedVersion: 'any', metadata: actor });
    await other.append(subject, [counted(2)], { expectedVersion: 'any', metadata: actor });
    const { commit: later } = await store.append(subject, [counted(3)], { expectedVersion: 'any', metadata: actor });

    const messages = [];
    for await (const message of store.readMessages({ fromSeq: from })) messages.push(message);
    const [ownMessage, otherMessage, laterMessage] = messages;
    const kept = store.appendedCommit(ownMessage);
    expect(kept).toEqual(own);
    expect(Object.isFrozen(kept?.events[0].data)).toBe(true); // shared by every reader: none can write into it
    expect(store.decode(ownMessage)).toBe(kept);
    expect(store.appendedCommit(laterMessage)).toEqual(later);
    expect(store.appendedCommit(otherMessage)).toBeNull();
    expect(store.decode(otherMessage).events.map((e) => e.data)).toEqual([{ n: 2 }]);
  });

  it('passes over, undecoded, a commit whose listed event types are none a reader wants', async () => {
    const from = (await store.lastSequence()) + 1;
    const subject = store.subjectFor('counter', 'typed');
    await store.append(subject, [counted(1)], { expectedVersion: 'any', metadata: actor });
    await store.append(subject, [{ type: 'Reset', data: {} }], { expectedVersion: 'any', metadata: actor });
    // Listed as a type no one wants: never decoded, so its body cannot stop the reader.
    const listed = headers();
    listed.set(EVENT_TYPES_HEADER, 'Reset');
    await store.js.publish(subject, Buffer.from('{not json'), { headers: listed });
    await store.append(subject, [{ type: 'Reset', data: {} }, counted(2)], { expectedVersion: 'any', metadata: actor });

    const read: [number, string[]][] = [];
    for await (const commit of store.readRange({ fromSeq: from, eventTypes: ['Counted'] }))
      read.push([commit.streamSeq - from, commit.events.map((e) => e.type)]);
    expect(read).toEqual([
      [0, ['Counted']],
      [1, []],
      [2, []],
      [3, ['Reset', 'Counted']],
    ]);
  });

  it('carries event metadata: id, type, schema version, time, correlation, causation and actor', async () => {
    const subject = store.subjectFor('counter', 'm');
    const now = new Date('2026-02-03T04:05:06.000Z');
    await store.append(subject, [counted(1)], {
      expectedVersion: 0,
      metadata: { actor: 'api-key:k1', correlationId: 'corr', causationId: 'cause' },
      commandId: 'cmd-m',
      now,
    });
    const [event] = (await store.readAggregate(subject)).commits[0].events;
    expect(event).toMatchObject({
      type: 'Counted',
      schemaVersion: 1,
      time: now.toISOString(),
      aggregateType: 'counter',
      aggregateId: 'm',
      metadata: { actor: 'api-key:k1', correlationId: 'corr', causationId: 'cause', commandId: 'cmd-m' },
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('upcasts old schema versions on read', async () => {
    const subject = store.subjectFor('counter', 'u');
    await store.append(subject, [counted(5)], { expectedVersion: 0, metadata: actor });
    const upgraded = await EventStore.open(nc, {
      stream: streamName,
      subjectPrefix: `evt.${streamName.toLowerCase()}`,
      schemaVersions: { Counted: 2 },
      upcasters: [{ type: 'Counted', fromVersion: 1, upcast: (data) => ({ ...(data as object), unit: 'items' }) }],
    });
    const [event] = (await upgraded.readAggregate(subject)).commits[0].events;
    expect(event.schemaVersion).toBe(2);
    expect(event.data).toEqual({ n: 5, unit: 'items' });
  });

  it('refuses an event of a newer version than it knows, as a failure that passes, never reading it as its own', async () => {
    const subject = store.subjectFor('counter', 'n');
    const upgraded = await EventStore.open(nc, {
      stream: streamName,
      subjectPrefix: `evt.${streamName.toLowerCase()}`,
      schemaVersions: { Counted: 2 },
    });
    await upgraded.append(subject, [{ type: 'Counted', data: { count: 5 } }], { expectedVersion: 0, metadata: actor });
    const refusal = await store.readAggregate(subject).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(NewerEventVersionError);
    expect(String(refusal)).toMatch(/Counted v2 was written by a newer release \(this one reads up to v1\)/);
    expect(isTransient(refusal)).toBe(true);
    expect((await upgraded.readAggregate(subject)).commits[0].events[0].data).toEqual({ count: 5 });
  });

  it("reads the update log's version 1 device events (`deviceId`) as version 2 (`identifier`), and writes version 2", async () => {
    const subject = store.subjectFor('device', 'legacy');
    const v1 = {
      type: 'DeviceQuarantined',
      data: { deviceId: 'dev-x', organizationId: 'o', reason: 'operator', deploymentId: null, at: 't' },
    };
    await store.append(subject, [v1], { expectedVersion: 0, metadata: actor });
    const current = await EventStore.open(nc, {
      stream: streamName,
      subjectPrefix: `evt.${streamName.toLowerCase()}`,
      ...UpdateEventSchema,
    });
    const [read] = (await current.readAggregate(subject)).commits[0].events;
    expect(read.schemaVersion).toBe(2);
    expect(read.data).toEqual({
      identifier: 'dev-x',
      organizationId: 'o',
      reason: 'operator',
      deploymentId: null,
      at: 't',
    });

    const { commit } = await current.append(
      subject,
      [{ type: 'DeviceUnquarantined', data: { identifier: 'dev-x', organizationId: 'o', at: 't' } }],
      {
        expectedVersion: 1,
        metadata: actor,
      },
    );
    expect(commit.events[0].schemaVersion).toBe(2);
  });
});
