import { AckPolicy, ConsumerMessages, DeliverPolicy, JsMsg } from 'nats';
import { EVENT_TYPES_HEADER, EventStore } from './event-store';
import { Commit } from './recorded-event';
import { isNotFound } from './stream-config';

export interface DurableConsumerOptions {
  durableName: string;
  filterSubject?: string;
  /** Where a new consumer starts: after this stream sequence. */
  startAfterSeq: number;
  batchSize?: number;
  ackWaitMs?: number;
  /** Delay before a failed batch is delivered again. */
  retryDelayMs?: number;
  onError?: (err: unknown, commits: Commit[]) => void;
  /**
   * Hand commits over one at a time, up to this many at once, each acked on its own: a slow commit then holds up
   * only later commits of its own subject. Without it, commits come in batches acked together.
   */
  concurrency?: number;
  /** The server removes the consumer after this long without a client (one that belonged to a dead instance). */
  inactiveThresholdMs?: number;
  /** Only commits holding one of these event types reach the handler; the others are acked undecoded. */
  eventTypes?: readonly string[];
}

/** Called with commits in stream order; the batch is acked only after it resolves. */
export type BatchHandler = (commits: Commit[]) => Promise<void>;

/**
 * A durable pull consumer feeding a handler in batches. Unacked messages are bounded by max_ack_pending, so
 * a slow handler slows delivery instead of filling memory. A consumer found ahead of the caller's own
 * checkpoint (the read model was reset) is recreated at the checkpoint, so no event is ever skipped.
 */
export class DurableConsumer {
  private messages: ConsumerMessages | null = null;
  private readonly buffer: JsMsg[] = [];
  private wake: (() => void) | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly options: DurableConsumerOptions,
    private readonly handle: BatchHandler,
  ) {}

  async start(): Promise<void> {
    await this.ensureConsumer();
    const consumer = await this.store.js.consumers.get(this.store.stream, this.options.durableName);
    this.messages = await consumer.consume({
      max_messages: this.batchSize * 2,
      callback: (message) => {
        this.buffer.push(message);
        this.wake?.();
      },
    });
    this.loop = this.run();
  }

  /** Stops taking messages and waits for the batch in hand to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    this.wake?.();
    await this.loop;
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 500;
  }

  private async ensureConsumer(): Promise<void> {
    const { jsm, stream } = this.store;
    const { durableName, startAfterSeq } = this.options;
    try {
      const info = await jsm.consumers.info(stream, durableName);
      if (info.ack_floor.stream_seq <= startAfterSeq) return;
      await jsm.consumers.delete(stream, durableName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await jsm.consumers.add(stream, {
      durable_name: durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startAfterSeq + 1,
      filter_subject: this.options.filterSubject,
      max_ack_pending: this.batchSize * 4,
      ack_wait: (this.options.ackWaitMs ?? 30_000) * 1_000_000,
      ...(this.options.inactiveThresholdMs ? { inactive_threshold: this.options.inactiveThresholdMs * 1_000_000 } : {}),
    });
  }

  private async run(): Promise<void> {
    if (this.options.concurrency) return this.runEach(this.options.concurrency);
    while (!this.stopped) {
      if (this.buffer.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      const batch = this.buffer.splice(0, this.batchSize);
      const commits = batch.filter((message) => this.wanted(message)).map((message) => this.store.decode(message));
      try {
        await this.handle(commits);
        for (const message of batch) message.ack();
      } catch (err) {
        this.options.onError?.(err, commits);
        for (const message of batch) message.nak(this.options.retryDelayMs ?? 1_000);
      }
    }
  }

  private wanted(message: JsMsg): boolean {
    const { eventTypes } = this.options;
    const listed = message.headers?.get(EVENT_TYPES_HEADER);
    return !eventTypes || !listed || listed.split(',').some((type) => eventTypes.includes(type));
  }

  /** Commits of one subject in order, different subjects side by side; a failed one is redelivered on its own. */
  private async runEach(limit: number): Promise<void> {
    const tails = new Map<string, Promise<void>>();
    const inFlight = new Set<Promise<void>>();
    while (!this.stopped) {
      if (inFlight.size >= limit) {
        await Promise.race(inFlight);
        continue;
      }
      const message = this.buffer.shift();
      if (!message) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      if (!this.wanted(message)) {
        message.ack();
        continue;
      }
      const commit = this.store.decode(message);
      const task = (tails.get(commit.subject) ?? Promise.resolve())
        .then(() => this.handle([commit]))
        .then(
          () => message.ack(),
          (err) => {
            this.options.onError?.(err, [commit]);
            message.nak(this.options.retryDelayMs ?? 1_000);
          },
        );
      tails.set(commit.subject, task);
      inFlight.add(task);
      void task.then(() => {
        inFlight.delete(task);
        if (tails.get(commit.subject) === task) tails.delete(commit.subject);
      });
    }
    await Promise.all(inFlight);
  }
}
