import { AckPolicy, ConsumerConfig, DeliverPolicy, JsMsg } from 'nats';
import { EventStore } from '../event-store';
import { Commit } from '../recorded-event';
import { isNotFound } from '../stream-config';
import { ConsumerOptions, ConsumerRuntime } from './consumer-runtime';
import { decodeDelivered } from './delivered-commit';
import { drainMessages } from './drain-messages';
import { describeError, isTransient } from './failures';
import { ParkedStatus } from './parked-commits';

export interface SharedConsumerOptions extends ConsumerOptions {
  /** Commits in hand at once in this instance; commits of one subject are handled one after the other. */
  concurrency?: number;
  /**
   * How long an instance may hold a commit without a sign of life before JetStream hands it to another (default
   * 30 s). Every commit an instance holds, being worked on or waiting its turn, says it is alive every third of
   * that, so slow work is never started twice.
   */
  ackWaitMs?: number;
}

/** Handles one commit; resolves once its effects are durable. Must be idempotent: a commit may come twice. */
export type CommitHandler = (commit: Commit) => Promise<void>;

/**
 * A process manager's consumer: one durable JetStream consumer shared by every instance, so each commit is handled
 * by one of them (platform.md §4a). The consumer is created once, with its name, and reused ever after: a start
 * never deletes it or moves it back, so its ack floor is the process manager's position.
 *
 * Commits of one subject are handled in order within an instance, different subjects side by side. A failing commit
 * holds its subject's line: it is retried in place with backoff (its ack deadline kept alive), for as long as the
 * failure is a dependency's; a commit at fault is parked after `maxAttempts`, one that cannot be decoded at once,
 * and then acknowledged, so the line goes on.
 */
export class SharedConsumer extends ConsumerRuntime {
  private readonly inHand = new Map<number, JsMsg>();
  /** Delivered to this instance and not yet taken in hand (the instance is at its concurrency). */
  private waiting: JsMsg[] = [];

  constructor(
    store: EventStore,
    protected override readonly options: SharedConsumerOptions,
    private readonly handle: CommitHandler,
  ) {
    super(store, options);
  }

  private get ackWaitMs(): number {
    return this.options.ackWaitMs ?? 30_000;
  }

  private get concurrency(): number {
    return this.options.concurrency ?? 64;
  }

  private config(): Partial<ConsumerConfig> {
    return {
      durable_name: this.name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.options.filterSubject,
      max_ack_pending: this.concurrency * 4,
      ack_wait: this.ackWaitMs * 1_000_000,
      max_deliver: -1,
    };
  }

  /**
   * The shared consumer as it is, created if missing; only its ack wait and in-flight limit follow the configuration.
   */
  private async ensure(): Promise<void> {
    const { jsm, stream } = this.store;
    const wanted = this.config();
    try {
      const info = await jsm.consumers.info(stream, this.name);
      if (info.config.ack_wait !== wanted.ack_wait || info.config.max_ack_pending !== wanted.max_ack_pending) {
        await jsm.consumers.update(stream, this.name, {
          ack_wait: wanted.ack_wait,
          max_ack_pending: wanted.max_ack_pending,
        });
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await jsm.consumers.add(stream, wanted).catch(async (addErr) => {
        // Another instance created it at the same moment.
        if (!/already (exists|in use)/i.test(String((addErr as Error).message))) throw addErr;
      });
    }
  }

  protected async run(): Promise<void> {
    const heartbeat = setInterval(
      () => {
        for (const message of this.inHand.values()) message.working();
        for (const message of this.waiting) message.working();
      },
      Math.max(100, Math.floor(this.ackWaitMs / 3)),
    );
    let troubled = 0;
    try {
      while (!this.stopped) {
        try {
          await this.ensure();
          troubled = 0;
          await this.session();
        } catch (err) {
          if (isNotFound(err)) {
            // Another service's stream that does not exist yet: nothing to handle, nothing wrong here.
            this.health.recovered();
            await this.sleep(2_000);
            continue;
          }
          troubled++;
          this.health.failed(this.health.position + 1, troubled, err);
          this.logger.warn({ msg: 'consumer unavailable, retrying', consumer: this.name, error: describeError(err) });
          await this.backoff(troubled);
        }
      }
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Takes commits until the JetStream consumer goes away (then it is ensured again) or the runtime stops. */
  private async session(): Promise<void> {
    this.waiting = [];
    let closed = false;
    const consumer = await this.store.js.consumers.get(this.store.stream, this.name);
    const messages = await consumer.consume({
      max_messages: this.concurrency * 2,
      abort_on_missing_resource: true,
      callback: (message) => {
        this.waiting.push(message);
        this.wake?.();
      },
    });
    void messages.closed().then(() => {
      closed = true;
      this.wake?.();
    });
    this.health.recovered(); // the consumer is there again: what failed before was reaching it
    const tails = new Map<string, Promise<void>>();
    const inFlight = new Set<Promise<void>>();
    try {
      while (!this.stopped && !closed) {
        const message = inFlight.size < this.concurrency ? this.waiting.shift() : undefined;
        if (!message) {
          await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), ...inFlight]);
          this.wake = null;
          continue;
        }
        if (this.inHand.has(message.seq)) continue; // delivered again while this instance still works on it
        this.inHand.set(message.seq, message);
        this.health.took(message.seq);
        const task = (tails.get(message.subject) ?? Promise.resolve()).then(() => this.process(message));
        tails.set(message.subject, task);
        inFlight.add(task);
        void task.then(() => {
          inFlight.delete(task);
          this.inHand.delete(message.seq);
          this.health.released(message.seq);
          if (tails.get(message.subject) === task) tails.delete(message.subject);
        });
      }
    } finally {
      await drainMessages(messages); // what arrives meanwhile waits, handed back below
      await Promise.all(inFlight);
      // Delivered but not started: back to JetStream at once, for this or another instance.
      for (const message of this.waiting) if (!this.inHand.has(message.seq)) message.nak();
      this.waiting = [];
    }
  }

  /** Handles one commit until it is done or parked; never rejects. */
  private async process(message: JsMsg): Promise<void> {
    const delivered = decodeDelivered(this.store, message, this.options.eventTypes);
    const firstFailedAt = new Date();
    let faults = 0;
    let troubled = 0;
    for (;;) {
      if (this.stopped) return message.nak();
      let error: unknown;
      if ('undecodable' in delivered) error = delivered.undecodable;
      else {
        try {
          if (delivered.commit.events.length) await this.handle(delivered.commit);
          message.ack();
          this.health.progressed(message.seq, 1);
          return;
        } catch (err) {
          error = err;
        }
      }
      if (isTransient(error)) {
        this.health.failed(message.seq, ++troubled, error);
        this.logger.warn({
          msg: 'commit failed, retrying',
          consumer: this.name,
          streamSeq: message.seq,
          attempt: troubled,
          error: describeError(error),
        });
        await this.backoff(troubled);
        continue;
      }
      faults++;
      const known = faults === 1 ? await this.options.parked.statusOf(this.name, message.seq).catch(() => null) : null;
      if (known === 'parked' || known === 'skipped') faults = this.policy.maxAttempts;
      this.health.failed(message.seq, faults, error);
      if ('commit' in delivered && faults < this.policy.maxAttempts) {
        this.logger.warn({
          msg: 'commit failed, retrying',
          consumer: this.name,
          streamSeq: message.seq,
          attempt: faults,
          error: describeError(error),
        });
        await this.backoff(faults);
        continue;
      }
      try {
        await this.options.parked.park(await this.parkedEntry(delivered, error, faults, firstFailedAt));
        message.ack();
        this.health.parkedHere++;
        this.health.recovered();
        this.logger.error({
          msg: 'commit parked',
          consumer: this.name,
          streamSeq: message.seq,
          subject: message.subject,
          error: describeError(error),
        });
        return;
      } catch (parkErr) {
        this.logger.warn({
          msg: 'could not park, retrying',
          consumer: this.name,
          streamSeq: message.seq,
          error: describeError(parkErr),
        });
        await this.backoff(++troubled);
      }
    }
  }

  /**
   * Effects are idempotent (command ids from the commit), so a retry that another instance also ran changes nothing.
   */
  protected async retryParked(commit: Commit, status: ParkedStatus): Promise<void> {
    if (status !== 'retry') return;
    await this.handle(commit);
    await this.options.parked.markRetried(this.name, commit.streamSeq);
  }

  async lag(): Promise<number> {
    const info = await this.store.jsm.consumers.info(this.store.stream, this.name);
    return info.num_pending + info.num_ack_pending;
  }
}
