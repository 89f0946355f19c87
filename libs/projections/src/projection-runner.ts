import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Commit, DurableConsumer, EventStore } from '@flotilla/event-store';
import { applyCommits } from './apply-commits';
import { CheckpointStore } from './checkpoint-store';
import { Projection, qualified } from './projection';

export interface ProjectionRunnerOptions {
  batchSize?: number;
  /** How long a delivered batch may stay unacked before redelivery (also how long a crashed instance's batch waits). */
  ackWaitMs?: number;
  onError?: (err: unknown) => void;
  /** Names this instance's consumer (default: random, so each process start has its own). */
  instanceId?: string;
  /** Test seams to kill the process at the two dangerous moments. */
  faults?: { beforeCommit?: (lastSeq: number) => void; afterCommit?: (lastSeq: number) => void };
}

/**
 * Keeps one projection up to date: a durable pull consumer delivers commits in batches, and each batch's rows and
 * the checkpoint are written in one transaction before the batch is acked. A crash at any point leaves either
 * nothing or everything of a batch applied, and redelivered events at or below the checkpoint are skipped.
 *
 * Every instance of a service reads the whole log through a consumer of its own: a shared consumer would hand
 * different commits to different instances, and one that committed a later batch first would make the other skip
 * earlier ones. The checkpoint row, locked in each transaction, lets exactly one instance apply each commit.
 */
export class ProjectionRunner {
  private consumer: DurableConsumer | null = null;
  private readonly checkpoints: CheckpointStore;
  private position = 0;
  private readonly waiters = new Set<{ seq: number; resolve: () => void }>();
  private poll: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly dataSource: DataSource,
    readonly projection: Projection,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.checkpoints = new CheckpointStore(dataSource, projection.schema);
    this.instanceId = options.instanceId ?? randomBytes(6).toString('hex');
  }

  private readonly instanceId: string;

  get durableName(): string {
    return `projection_${this.projection.name}_${this.instanceId}`;
  }

  async start(): Promise<void> {
    await this.checkpoints.ensure(this.projection.name);
    this.position = await this.checkpoints.read(this.projection.name);
    this.consumer = new DurableConsumer(
      this.store,
      {
        durableName: this.durableName,
        filterSubject: this.projection.filterSubject,
        startAfterSeq: this.position,
        batchSize: this.options.batchSize ?? 500,
        ackWaitMs: this.options.ackWaitMs ?? 10_000,
        onError: (err) => this.options.onError?.(err),
        inactiveThresholdMs: 10 * 60_000,
      },
      (commits) => this.applyBatch(commits),
    );
    await this.consumer.start();
  }

  /** Stops after the batch in hand and removes this instance's consumer. */
  async stop(): Promise<void> {
    if (!this.consumer) return;
    await this.consumer.stop();
    if (this.poll) clearTimeout(this.poll);
    this.consumer = null;
    await this.store.jsm.consumers.delete(this.store.stream, this.durableName).catch(() => undefined);
  }

  /** Events still to be applied, as JetStream counts them for this projection's consumer. */
  async lag(): Promise<number> {
    const info = await this.store.jsm.consumers.info(this.store.stream, this.durableName);
    return info.num_pending + info.num_ack_pending;
  }

  async checkpoint(): Promise<number> {
    return this.checkpoints.read(this.projection.name);
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

  private async applyBatch(commits: Commit[]): Promise<void> {
    const { projection } = this;
    const table = (name: string) => qualified(projection.schema, name);
    const applied = await this.dataSource.transaction(async (manager) => {
      const checkpoint = await this.checkpoints.lock(manager, projection.name);
      const position = await applyCommits(projection, manager, table, commits, checkpoint);
      if (position > checkpoint) await this.checkpoints.write(manager, projection.name, position);
      this.options.faults?.beforeCommit?.(position);
      return position;
    });
    this.options.faults?.afterCommit?.(applied);
    this.advance(applied);
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
