import { DataSource } from 'typeorm';
import {
  Commit,
  ConsumerLogger,
  ConsumerReport,
  EventStore,
  isAggregateId,
  isNotFound,
  ParkedCommit,
  ParkedStatus,
  RetryPolicy,
  SequentialConsumer,
  SequentialTarget,
  StreamIdentity,
} from '@flotilla/event-store';
import { applyCommits } from './apply-commits';
import { CheckpointStore, ReadModelBehindError } from './checkpoint-store';
import { PostgresParkedStore } from './parked-store';
import { eventTypesOf, Projection, qualified } from './projection';

export interface ProjectionRunnerOptions {
  batchSize?: number;
  /** See `SequentialConsumerOptions.gatherMs`. */
  gatherMs?: number;
  retry?: Partial<RetryPolicy>;
  stallAfterMs?: number;
  logger?: ConsumerLogger;
  /** Test seams to kill the process at the two dangerous moments. */
  faults?: { beforeCommit?: (lastSeq: number) => void; afterCommit?: (lastSeq: number) => void };
}

/**
 * Keeps one projection up to date through a sequential consumer (platform.md §4, §4a): each batch's rows and the
 * checkpoint are written in one transaction, so a crash at any point leaves either nothing or everything of a batch
 * applied, and a failed batch stops the line until it applies or its culprit is parked (parking moves the checkpoint
 * in the same transaction).
 *
 * Every instance of a service reads the log through consumers of its own; the checkpoint row, locked in each
 * transaction, lets exactly one of them apply each commit.
 */
export class ProjectionRunner {
  private readonly checkpoints: CheckpointStore;
  private readonly parked: PostgresParkedStore;
  private readonly consumer: SequentialConsumer;
  private position = 0;
  private stream: StreamIdentity | null = null;
  private readonly waiters = new Set<{ seq: number; resolve: () => void }>();
  private poll: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly dataSource: DataSource,
    readonly projection: Projection,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.checkpoints = new CheckpointStore(dataSource, projection.schema);
    this.parked = new PostgresParkedStore(dataSource, projection.schema);
    this.consumer = new SequentialConsumer(
      store,
      {
        name: projection.name,
        filterSubject: projection.filterSubject,
        eventTypes: eventTypesOf(projection),
        batchSize: options.batchSize ?? 500,
        gatherMs: options.gatherMs,
        retry: options.retry,
        stallAfterMs: options.stallAfterMs,
        parked: this.parked,
        logger: options.logger,
      },
      this.target(),
    );
  }

  /**
   * Starts applying. A read model that counts in another stream than the one it is pointed at refuses to: at start
   * when the stream exists (the service then stops, saying how to rebuild), or whenever it is found so later.
   */
  async start(): Promise<void> {
    await this.checkpoints.ensure(this.projection.name);
    if (await this.streamExists()) await this.verifiedPosition();
    this.consumer.start();
  }

  private async streamExists(): Promise<boolean> {
    return this.store.currentIdentity().then(
      () => true,
      (err) => (isNotFound(err) ? false : Promise.reject(err)),
    );
  }

  /** The checkpoint, refused if it counts in another stream; the stream it does count in is then the one written. */
  private async verifiedPosition(): Promise<number> {
    const stream = await this.store.currentIdentity();
    const position = await this.checkpoints.positionIn(this.projection.name, stream, () => this.store.lastSequence());
    this.stream = stream;
    // Lower than before only when the database holds less than it did (ReadModelBehindError): it is caught up again.
    this.position = Math.min(this.position, position);
    this.advance(position);
    return position;
  }

  /** A checkpoint read in a transaction that is behind what this instance saw: nothing is applied on top of it. */
  private notBehind(checkpoint: number): void {
    if (checkpoint < this.position) throw new ReadModelBehindError(this.projection.name, checkpoint, this.position);
  }

  /**
   * Takes another consumer's deliveries of the whole stream while level with them, instead of a JetStream consumer's
   * of its own (`SequentialConsumer.follow`).
   */
  follow(leader: SequentialConsumer): void {
    this.consumer.follow(leader);
  }

  /** Stops after the transaction in hand. */
  async stop(): Promise<void> {
    await this.consumer.stop();
    if (this.poll) clearTimeout(this.poll);
  }

  report(): Promise<ConsumerReport> {
    return this.consumer.report();
  }

  get name(): string {
    return this.projection.name;
  }

  get health() {
    return this.consumer.health;
  }

  async checkpoint(): Promise<number> {
    return (await this.checkpoints.read(this.projection.name)).lastSeq;
  }

  private target(): SequentialTarget {
    const { projection, checkpoints, parked, dataSource, options } = this;
    const table = (name: string) => qualified(projection.schema, name);
    const stream = () => this.stream as StreamIdentity;
    return {
      position: () => this.verifiedPosition(),
      apply: async (commits: Commit[]) => {
        const applied = await dataSource.transaction(async (manager) => {
          const checkpoint = await checkpoints.lock(manager, projection.name);
          this.notBehind(checkpoint);
          const position = await applyCommits(projection, manager, table, commits, checkpoint);
          if (position > checkpoint) await checkpoints.write(manager, projection.name, position, stream());
          options.faults?.beforeCommit?.(position);
          return position;
        });
        options.faults?.afterCommit?.(applied);
        this.advance(applied);
        return applied;
      },
      park: async (commit: ParkedCommit) => {
        const position = await dataSource.transaction(async (manager) => {
          const checkpoint = await checkpoints.lock(manager, projection.name);
          this.notBehind(checkpoint);
          if (checkpoint >= commit.streamSeq) return checkpoint; // another instance applied or parked it meanwhile
          await parked.parkIn(manager, commit);
          await checkpoints.write(manager, projection.name, commit.streamSeq, stream());
          return commit.streamSeq;
        });
        this.advance(position);
        return position;
      },
      // Out of order, in its own transaction with the parked record, so it is applied exactly once.
      retry: async (commit: Commit, status: ParkedStatus) => {
        if (status !== 'retry') return;
        await dataSource.transaction(async (manager) => {
          await checkpoints.lock(manager, projection.name);
          if ((await parked.statusOf(projection.name, commit.streamSeq, manager, true)) !== 'retry') return;
          await applyCommits(projection, manager, table, [commit], commit.streamSeq - 1);
          await parked.markRetried(projection.name, commit.streamSeq, manager);
        });
      },
    };
  }

  /**
   * Resolves true once the read model holds the commit at `seq` (read-your-writes for a command's reply), false
   * after `timeoutMs`. Another instance may have applied it, so the shared checkpoint is polled too.
   */
  waitFor(seq: number, timeoutMs = 5_000): Promise<boolean> {
    if (this.position >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(this.position >= seq);
      }, timeoutMs);
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.add(waiter);
      this.pollCheckpoint();
    });
  }

  /**
   * Resolves true once the read model holds every commit of its log (on its filter) as the log is now, false after
   * `timeoutMs`: a row it lacks then is lacking in the log too, so not finding one is the log's answer, not a lag's.
   * Given `aggregate`, the aggregate whose commits hold the row, only those are waited for: one read by its own
   * subject, where a filter's wildcard costs JetStream (2.9) a scan of the stream back to its last match, every append
   * held up meanwhile. An id that makes no subject names no aggregate, so nothing of it is in the log.
   */
  async caughtUp(aggregate?: { type: string; id: string }, timeoutMs = 2_000): Promise<boolean> {
    if (aggregate && !isAggregateId(aggregate.id)) return true;
    const filter = aggregate ? this.store.subjectFor(aggregate.type, aggregate.id) : this.projection.filterSubject;
    return this.waitFor(filter ? await this.store.lastSequenceOn(filter) : await this.store.lastSequence(), timeoutMs);
  }

  /** One poll every 25 ms while anyone waits, however many wait. */
  private pollCheckpoint(): void {
    if (this.poll) return;
    this.poll = setTimeout(async () => {
      try {
        this.advance(await this.checkpoint());
      } catch {
        // Postgres unreachable for a moment: the next poll or the local consumer will tell.
      }
      this.poll = null;
      if (this.waiters.size) this.pollCheckpoint();
    }, 25);
  }

  private advance(position: number): void {
    if (position <= this.position) return;
    this.position = position;
    for (const waiter of this.waiters) {
      if (waiter.seq <= position) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
