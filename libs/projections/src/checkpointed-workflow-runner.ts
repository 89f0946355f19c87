import { DataSource } from 'typeorm';
import { Workflow, WorkflowStep } from '@flotilla/decider';
import {
  Commit,
  ConsumerLogger,
  EventStore,
  isNotFound,
  ParkedCommit,
  ParkedStatus,
  RetryPolicy,
  SequentialConsumer,
  SequentialTarget,
  StreamIdentity,
  WorkflowOptions,
  workflowHandler,
} from '@flotilla/event-store';
import { CheckpointStore } from './checkpoint-store';
import { PostgresParkedStore } from './parked-store';

export interface CheckpointedWorkflowOptions<Input, State, Output> extends WorkflowOptions<Input, State, Output> {
  /** The schema holding the checkpoint and the parked commits. */
  schema: string;
  retry?: Partial<RetryPolicy>;
  stallAfterMs?: number;
  logger?: ConsumerLogger;
  /**
   * The shared durable JetStream consumer this workflow was read by before (a `WorkflowRunner`): its ack floor is a
   * position the workflow has judged up to, and it is deleted once nothing pulls from it any more.
   */
  formerConsumer?: string;
}

/**
 * While the log is busy, the position is written at most this often: a crash judges again what came after it, which
 * the workflow's command ids make harmless.
 */
const GATHER_MS = 100;

/**
 * A workflow that decides on a view of the log every instance keeps (the resolver's fleet view), run by every instance
 * over the whole log from one checkpoint they share in Postgres, and taking the deliveries of the view's own consumer
 * while level with it (`consumer.follow`): no delivery or acknowledgement of its own per commit, as a shared JetStream
 * consumer (`WorkflowRunner`) would need. Every instance judges every event; an instance writes the checkpoint forward
 * once it has taken every step up to it, so a start resumes where the instance furthest on got to, and a step taken
 * twice (by two instances, or again after a crash) records nothing twice, by the command id derived from its event.
 * Failures stop the line and are retried, commits at fault are parked, as for a projection.
 */
export class CheckpointedWorkflowRunner<Input, State, Output extends WorkflowStep> {
  private readonly checkpoints: CheckpointStore;
  private readonly parked: PostgresParkedStore;
  /** What runs it: started, stopped, reported on and made to follow the view's consumer by its host. */
  readonly consumer: SequentialConsumer;
  private formerGone = false;
  /** The stream the checkpoint counts in, as read when the position was. */
  private stream: StreamIdentity | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly dataSource: DataSource,
    workflow: Workflow<Input, State, Output>,
    private readonly options: CheckpointedWorkflowOptions<Input, State, Output>,
  ) {
    this.checkpoints = new CheckpointStore(dataSource, options.schema);
    this.parked = new PostgresParkedStore(dataSource, options.schema);
    this.consumer = new SequentialConsumer(
      store,
      {
        name: options.name,
        eventTypes: options.eventTypes,
        gatherMs: GATHER_MS,
        // Its applies write no rows: a batch only bounds the deliveries held, which pin their read buffers.
        batchSize: 100,
        retry: options.retry,
        stallAfterMs: options.stallAfterMs,
        parked: this.parked,
        logger: options.logger,
      },
      this.target(workflowHandler(workflow, options)),
    );
  }

  async checkpoint(): Promise<number> {
    return (await this.checkpoints.read(this.options.name)).lastSeq;
  }

  private target(handle: (commit: Commit) => Promise<void>): SequentialTarget {
    const { checkpoints, parked } = this;
    const { name } = this.options;
    return {
      position: () => this.position(),
      apply: async (commits) => {
        for (const commit of commits) if (commit.events.length) await handle(commit);
        const position = commits[commits.length - 1].streamSeq;
        await checkpoints.advance(name, position, this.stream as StreamIdentity);
        return position;
      },
      park: async (commit: ParkedCommit) => {
        await this.dataSource.transaction(async (manager) => {
          await parked.parkIn(manager, commit);
          await checkpoints.advance(name, commit.streamSeq, this.stream as StreamIdentity, manager);
        });
        return commit.streamSeq;
      },
      // Out of order: what another instance did of it meanwhile is recorded once, by the command ids.
      retry: async (commit: Commit, status: ParkedStatus) => {
        if (status !== 'retry') return;
        await handle(commit);
        await parked.markRetried(name, commit.streamSeq);
      },
    };
  }

  /**
   * Where to resume: the checkpoint, in the stream as it is. A checkpoint of another stream (recreated under the same
   * name) starts it again from the beginning, one past the stream's end (restored from an older backup) from the end:
   * events appended from there on are new to the workflow.
   */
  private async position(): Promise<number> {
    const { name } = this.options;
    const stream = (this.stream = await this.store.currentIdentity());
    await this.checkpoints.ensure(name);
    const saved = await this.checkpoints.standing(name, stream, () => this.store.lastSequence());
    if (saved.other || (saved.end !== null && saved.lastSeq > saved.end)) {
      const position = saved.end ?? 0;
      this.options.logger?.warn({ msg: 'checkpoint not in this stream, starting again', consumer: name, position });
      await this.checkpoints.write(this.dataSource.manager, name, position, stream);
      return position;
    }
    const floor = await this.formerFloor();
    if (floor <= saved.lastSeq) return saved.lastSeq;
    await this.checkpoints.advance(name, floor, stream);
    return floor;
  }

  /**
   * The former shared consumer's ack floor (0 once it is gone): an instance of the release before may still judge
   * through it, beside this one. It is deleted once nothing pulls from it.
   */
  private async formerFloor(): Promise<number> {
    const former = this.options.formerConsumer;
    if (!former || this.formerGone) return 0;
    const { jsm, stream } = this.store;
    const info = await jsm.consumers.info(stream, former).catch((err) => {
      if (isNotFound(err)) return null;
      throw err;
    });
    if (info?.num_waiting === 0) await jsm.consumers.delete(stream, former);
    this.formerGone = !info || info.num_waiting === 0;
    return info?.ack_floor.stream_seq ?? 0;
  }
}
