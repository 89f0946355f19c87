import { answerWithin } from '../answer-within';
import { EventStore } from '../event-store';
import { Commit } from '../recorded-event';
import { isNotFound } from '../stream-config';
import { ConsumerHealth, ConsumerLogger, ConsumerReport, silentLogger } from './consumer-health';
import { Delivered } from './delivered-commit';
import { backoffMs, defaultRetryPolicy, describeError, RetryPolicy } from './failures';
import { ParkedCommit, ParkedStatus, ParkedStore } from './parked-commits';

export interface ConsumerOptions {
  /** The consumer's name for operators: parked commits, metrics and readiness use it. */
  name: string;
  filterSubject?: string;
  /** Commits holding none of these event types are passed over undecoded. */
  eventTypes?: readonly string[];
  retry?: Partial<RetryPolicy>;
  parked: ParkedStore;
  /** An apply running longer than this fails liveness (default 2 min). */
  stallAfterMs?: number;
  /** How often operators' retry requests are looked for (default 2 s). */
  retryPollMs?: number;
  /**
   * How long a report waits for JetStream (the lag) and Postgres (the parked count) before it calls the figure
   * unknown, as when they fail (default 2 s): readiness and metrics answer, even while a connection hangs.
   */
  reportWaitMs?: number;
  logger?: ConsumerLogger;
}

/**
 * What every consumer of the log has in common (platform.md §4a): a loop that must not die, a health record,
 * a retry policy, parked commits and the operators' retries of them.
 */
export abstract class ConsumerRuntime {
  readonly health: ConsumerHealth;
  protected readonly policy: RetryPolicy;
  protected readonly logger: ConsumerLogger;
  protected stopped = false;
  /** Wakes the loop when it waits for deliveries. */
  protected wake: (() => void) | null = null;
  private readonly sleepers = new Set<() => void>();
  private loop: Promise<void> | null = null;
  private poll: NodeJS.Timeout | null = null;

  constructor(
    protected readonly store: EventStore,
    protected readonly options: ConsumerOptions,
  ) {
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.logger = options.logger ?? silentLogger;
    this.health = new ConsumerHealth(options.name, options.stallAfterMs ?? 120_000);
  }

  get name(): string {
    return this.options.name;
  }

  /** Starts the loop; failures inside it are retried there, and only a bug can end it (liveness then says so). */
  start(): void {
    this.loop = this.run().catch((err) => {
      this.health.died(err);
      this.logger.error({ msg: 'consumer loop died', consumer: this.name, error: describeError(err) });
    });
    this.schedulePoll();
  }

  /** Stops taking commits and waits for those in hand. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearTimeout(this.poll);
    this.wake?.();
    for (const wakeUp of this.sleepers) wakeUp();
    await this.loop;
  }

  protected abstract run(): Promise<void>;

  /** Applies a parked commit that an operator asked to retry (or, per instance, that another instance retried). */
  protected abstract retryParked(commit: Commit, status: ParkedStatus): Promise<void>;

  /** Sequences of commits this instance parked and that another instance's retry would concern. */
  protected watchedParked(): number[] {
    return [];
  }

  protected forgetParked(_streamSeq: number): void {
    // only per-instance consumers keep track
  }

  /** Commits not applied yet, as JetStream counts them. */
  abstract lag(): Promise<number>;

  async report(): Promise<ConsumerReport> {
    const wait = this.options.reportWaitMs ?? 2_000;
    const [lag, parked] = await Promise.all([
      // A stream not there yet (another service's, before it first starts) holds nothing to apply; any other failure
      // leaves the lag unknown, and readiness fails on it.
      answerWithin(wait, this.lag(), () => null).catch((err: unknown) => (isNotFound(err) ? 0 : null)),
      answerWithin(wait, this.options.parked.count(this.name), () => null).catch(() => null),
    ]);
    return {
      consumer: this.name,
      position: this.health.position,
      lag,
      parked,
      failing: this.health.failing,
      busySeconds: this.health.busySeconds(),
      ...this.health.liveness(),
    };
  }

  protected async parkedEntry(
    delivered: Delivered,
    error: unknown,
    attempts: number,
    firstFailedAt: Date,
  ): Promise<ParkedCommit> {
    const { streamSeq, subject, eventTypes } = delivered;
    const { name: stream, created: streamCreated } = await this.store.currentIdentity();
    return {
      consumer: this.name,
      stream,
      streamCreated,
      streamSeq,
      subject,
      eventTypes,
      error: describeError(error),
      attempts,
      firstFailedAt,
      lastFailedAt: new Date(),
    };
  }

  protected backoff(attempt: number): Promise<void> {
    return this.sleep(backoffMs(this.policy, attempt));
  }

  /** Sleeps, or less when stopped. */
  protected sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wakeUp = () => {
        clearTimeout(timer);
        this.sleepers.delete(wakeUp);
        resolve();
      };
      const timer = setTimeout(wakeUp, ms);
      this.sleepers.add(wakeUp);
    });
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.poll = setTimeout(() => {
      void this.serveRetries()
        .catch(() => undefined) // Postgres away: asked again at the next poll
        .then(() => this.schedulePoll());
    }, this.options.retryPollMs ?? 2_000);
  }

  private async serveRetries(): Promise<void> {
    const watched = this.watchedParked();
    for (const { streamSeq, status } of await this.options.parked.retryRequests(this.name, watched)) {
      if (status === 'retried' && !watched.includes(streamSeq)) continue;
      try {
        await this.retryParked(await this.store.readCommit(streamSeq), status);
        this.forgetParked(streamSeq);
        this.logger.log({ msg: 'parked commit retried', consumer: this.name, streamSeq });
      } catch (err) {
        if (status === 'retry') await this.options.parked.retryFailed(this.name, streamSeq, describeError(err));
        this.logger.warn({
          msg: 'parked commit failed again',
          consumer: this.name,
          streamSeq,
          error: describeError(err),
        });
      }
    }
  }
}
