import { DataSource } from 'typeorm';
import { AckPolicy, DeliverPolicy } from 'nats';
import { Workflow, WorkflowStep } from '@flotilla/decider';
import { DomainEvent } from '@flotilla/events';
import { EventStore } from '@flotilla/event-store';
import { eventually, openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { CheckpointedWorkflowRunner } from './checkpointed-workflow-runner';
import { PostgresParkedStore } from './parked-store';
import { createTallySchema, tallyDataSource } from './test-fixtures/tally-projection';

type Counted = DomainEvent<'Counted', { n: number }>;
type Note = WorkflowStep & { n: number };

/** Notes every count once, under a command id of its event. */
const noting: Workflow<Counted, null, Note> = {
  initialState: () => null,
  evolve: () => null,
  decide: (event) => [{ n: event.data.n, key: 'note' }],
};

describe('a workflow every instance runs from a shared checkpoint', () => {
  let env: TestEnvironment;
  let dataSource: DataSource;
  let store: EventStore;
  const schema = 'rules_checkpointed';
  let runners: CheckpointedWorkflowRunner<Counted, null, Note>[] = [];

  const count = (n: number, type = 'Counted') =>
    store.append(store.subjectFor('counter', `c${n % 3}`), [{ type, data: { n } }], {
      expectedVersion: 'any',
      metadata: { actor: 'test' },
    });

  /** A runner whose steps are recorded as command id → n; `failOn` fails the step of that count for good. */
  const runner = (name: string, extra: { formerConsumer?: string; failOn?: number } = {}) => {
    const taken = new Map<string, number>();
    const started = new CheckpointedWorkflowRunner(store, dataSource, noting, {
      name,
      actor: 'test',
      eventTypes: ['Counted'],
      schema,
      formerConsumer: extra.formerConsumer,
      retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20 },
      take: async (step, options) => {
        if (step.n === extra.failOn) throw new TypeError(`count ${step.n} cannot be noted`);
        taken.set(options.commandId as string, step.n);
        return [];
      },
    });
    started.consumer.start();
    runners.push(started);
    return { runner: started, taken, noted: () => [...taken.values()].sort((a, b) => a - b) };
  };
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const stopAll = async () => {
    await Promise.all(runners.map((r) => r.consumer.stop()));
    runners = [];
  };

  beforeAll(async () => {
    env = await openTestEnvironment('CKWF');
    dataSource = await tallyDataSource(env.db.url, schema).initialize();
    await createTallySchema(dataSource);
    store = await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix });
  });

  afterEach(stopAll);

  afterAll(async () => {
    await dataSource.destroy();
    await env.close();
  });

  it('is run by every instance on every event; a start resumes from where the furthest got to', async () => {
    for (const n of range(1, 30)) await count(n);
    await count(0, 'Ignored');
    const [a, b] = [runner('noting'), runner('noting')];
    const end = await store.lastSequence();
    await eventually(async () => (await a.runner.checkpoint()) === end, 10_000, 'the checkpoint at the end');
    await eventually(async () => b.noted().length === 30, 10_000, 'the second instance judged every count');
    expect(a.noted()).toEqual(range(1, 30));
    expect(b.noted()).toEqual(range(1, 30));
    // Both sent the same commands, so the command ids record each once.
    expect([...b.taken.keys()].sort()).toEqual([...a.taken.keys()].sort());
    await stopAll();

    for (const n of range(31, 35)) await count(n);
    const later = runner('noting');
    await eventually(async () => later.noted().length === 5, 10_000, 'the new counts judged');
    expect(later.noted()).toEqual(range(31, 35));
    await stopAll();
    expect(await store.jsm.consumers.list(store.stream).next()).toEqual([]);
  });

  it('parks an event whose step fails for good, moving the checkpoint past it; the rest go on', async () => {
    const first = (await store.lastSequence()) + 1;
    for (const n of range(101, 105)) await count(n);
    const parking = runner('parking', { failOn: 103 });
    const end = await store.lastSequence();
    await eventually(async () => (await parking.runner.checkpoint()) === end, 10_000, 'the checkpoint at the end');
    // A workflow of a new name starts from the beginning of the log: the counts of the test before too.
    expect(parking.noted().filter((n) => n > 100)).toEqual([101, 102, 104, 105]);
    const parked = await new PostgresParkedStore(dataSource, schema).statusOf('parking', first + 2);
    expect(parked).toBe('parked');
  });

  it('starts again from the beginning of a stream its checkpoint does not count in, and from the end of a shorter one', async () => {
    const checkpoints = `${schema}.projection_checkpoints`;
    await dataSource.query(`update ${checkpoints} set stream_created = 'another stream' where name = 'noting'`);
    const again = runner('noting');
    const end = await store.lastSequence();
    await eventually(async () => (await again.runner.checkpoint()) === end, 10_000, 'the checkpoint at the end');
    expect(again.noted().filter((n) => n <= 35)).toEqual(range(1, 35));
    await stopAll();

    await dataSource.query(`update ${checkpoints} set last_seq = $1 where name = 'noting'`, [end + 1_000]);
    const restored = runner('noting');
    await eventually(
      async () => (await restored.runner.checkpoint()) === end,
      10_000,
      'the checkpoint back at the end',
    );
    await count(36);
    await eventually(async () => restored.noted().includes(36), 10_000, 'a count appended after it judged');
    expect(restored.noted()).toEqual([36]);
  });

  it("takes a former shared consumer's position over, and deletes it once nothing pulls from it", async () => {
    const before = await store.lastSequence();
    for (const n of range(201, 210)) await count(n);
    await store.jsm.consumers.add(store.stream, {
      durable_name: 'formerly_shared',
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: before + 1,
    });
    const consumer = await store.js.consumers.get(store.stream, 'formerly_shared');
    for (let i = 0; i < 6; i++) (await consumer.next())?.ack();
    await eventually(
      async () => (await store.jsm.consumers.info(store.stream, 'formerly_shared')).ack_floor.stream_seq === before + 6,
      5_000,
      'six acknowledged',
    );

    const adopted = runner('adopting', { formerConsumer: 'formerly_shared' });
    const end = await store.lastSequence();
    await eventually(async () => (await adopted.runner.checkpoint()) === end, 10_000, 'the checkpoint at the end');
    expect(adopted.noted()).toEqual(range(207, 210));
    await expect(store.jsm.consumers.info(store.stream, 'formerly_shared')).rejects.toThrow(/not found/i);
  });
});
