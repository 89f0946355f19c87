import { randomBytes } from 'node:crypto';
import { AckPolicy, DeliverPolicy, Events, JsMsg, Status } from 'nats';
import { consumerStall } from '../consumer-stall';
import { EventStore } from '../event-store';
import { Commit } from '../recorded-event';
import { isNotFound } from '../stream-config';
import { ConsumerOptions, ConsumerRuntime } from './consumer-runtime';
import { decodeDelivered, Delivered } from './delivered-commit';
import { DeliveryFeed } from './delivery-feed';
import { describeError, isTransient } from './failures';
import { ParkedCommit, ParkedStatus } from './parked-commits';

/** What a sequential consumer keeps up to date: a read model with its checkpoint, or a view in memory. */
export interface SequentialTarget {
  /** Where to resume: the last stream sequence applied. */
  position(): Promise<number>;
  /** Applies commits that follow the position, in order, all or nothing; returns the new position. */
  apply(commits: Commit[]): Promise<number>;
  /** Records a commit that cannot be applied and moves the position past it, all or nothing; returns the position. */
  park(parked: ParkedCommit): Promise<number>;
  /** Applies a parked commit that an operator asked to retry (`retry`) or another instance retried (`retried`). */
  retry(commit: Commit, status: ParkedStatus): Promise<void>;
}

export interface SequentialConsumerOptions extends ConsumerOptions {
  /** Commits applied per transaction (default 500). */
  batchSize?: number;
  /**
   * Each instance keeps a position of its own (a view in memory): a commit parked here and retried by another
   * instance is applied here as well.
   */
  perInstance?: boolean;
  /**
   * While commits keep coming, a batch is applied at most this often (default 0: as soon as one arrives), gathering
   * what arrives meanwhile: a transaction's fixed cost (about five round trips) is then shared by many commits. The
   * first commit after a quiet spell is applied at once.
   */
  gatherMs?: number;
}

/** How long a session may hear nothing before it asks JetStream whether its consumer is still there and serving. */
const IDLE_CHECK_MS = 5_000;

/**
 * Deliveries a consumer keeps for those that follow it, the newest: half a second of a busy log. Each holds the buffer
 * it was read into (at the end of a replay, a big one), so more would hold tens of megabytes.
 */
const FEED_CAPACITY = 1_000;

type Outcome =
  | { kind: 'stopped' }
  | { kind: 'restart'; reason: string }
  | { kind: 'failed'; error: unknown; delivered: Delivered[] }
  | { kind: 'undecodable'; delivered: Delivered & { undecodable: unknown } };

/**
 * Applies a stream's commits strictly in stream order, from the target's own position (platform.md §4a).
 *
 * Each session is a fresh JetStream consumer starting right after the position. Deliveries must arrive as 1, 2, 3…
 * of that consumer, each for the first time: anything else (a reconnect, a redelivery, a gap) ends the session and
 * a new one starts from the position, so nothing is skipped or applied out of order. When applying fails, nothing
 * after it is applied: the session ends, and the next one starts at the position after a backoff. A failure that is
 * a dependency's (Postgres restarting, a deadlock) is retried for as long as it lasts; a failing batch is then
 * applied one commit at a time to find the commit at fault, which is parked after `maxAttempts`, as is a commit that
 * cannot be decoded. Parking moves the position past it and the line goes on.
 */
export class SequentialConsumer extends ConsumerRuntime {
  private readonly instance = randomBytes(4).toString('hex');
  private sessionName: string | null = null;
  private sessions = 0;
  /** Failures of commits at fault, by stream sequence. */
  private readonly attempts = new Map<number, { count: number; first: Date }>();
  /** The last failure was in opening a session (JetStream or the target away), not in applying a commit. */
  private sessionTrouble = false;
  /** Up to this sequence, commits are applied one per transaction (a batch failed and the culprit is not known). */
  private carefulUntil = 0;
  /** The lag the last session's consumer had, for a filtered consumer between sessions (see `lag`). */
  private sessionLag: number | null = null;
  /** Commits this instance passed over as parked (a per-instance target applies their retries itself). */
  private readonly passedOver = new Set<number>();
  /** The consumer whose deliveries this one takes while it is level with them (`follow`). */
  private leader: SequentialConsumer | null = null;
  /** This consumer's deliveries, kept once another consumer follows it (`followers`). */
  private feed: DeliveryFeed | null = null;
  private readonly followers: SequentialConsumer[] = [];

  constructor(
    store: EventStore,
    protected override readonly options: SequentialConsumerOptions,
    private readonly target: SequentialTarget,
  ) {
    super(store, options);
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 500;
  }

  protected async run(): Promise<void> {
    let troubled = 0; // consecutive rounds that ended in failure without progress
    while (!this.stopped) {
      let outcome: Outcome;
      let position = this.health.position;
      try {
        position = await this.target.position();
        this.health.positionedAt(position);
        outcome = await (this.leader?.feed?.after(position) ? this.followFrom(position) : this.session(position));
      } catch (err) {
        outcome = { kind: 'failed', error: err, delivered: [] };
      }
      if (this.health.position > position) troubled = 0;
      if (outcome.kind === 'stopped') return;
      if (outcome.kind === 'restart') {
        if (this.health.position === position) await this.sleep(50);
        continue;
      }
      if (outcome.kind === 'undecodable') {
        await this.parkOrWait(outcome.delivered, outcome.delivered.undecodable, 1, ++troubled);
        continue;
      }
      const { error, delivered } = outcome;
      const first = delivered[0]?.streamSeq ?? position + 1;
      if (delivered.length === 0 && isNotFound(error)) {
        // Another service's stream that does not exist yet: nothing to apply, nothing wrong here.
        this.health.recovered();
        await this.sleep(2_000);
      } else if (isTransient(error) || delivered.length === 0) {
        troubled++;
        this.health.failed(first, troubled, error);
        this.sessionTrouble = delivered.length === 0;
        this.logger.warn({
          msg: 'apply failed, retrying',
          consumer: this.name,
          streamSeq: first,
          attempt: troubled,
          error: describeError(error),
        });
        await this.backoff(troubled);
      } else if (delivered.length > 1) {
        // One of these is at fault: take them one at a time to find it.
        this.carefulUntil = delivered[delivered.length - 1].streamSeq;
      } else {
        const known = await this.options.parked.statusOf(this.name, first).catch(() => null);
        const tried = this.attempts.get(first) ?? { count: 0, first: new Date() };
        tried.count = known === 'parked' || known === 'skipped' ? this.policy.maxAttempts : tried.count + 1;
        this.attempts.set(first, tried);
        await this.parkOrWait(delivered[0], error, tried.count, ++troubled);
      }
    }
  }

  /** Parks a commit that has had its tries (or cannot be decoded), or waits before the next try. */
  private async parkOrWait(delivered: Delivered, error: unknown, attempts: number, round: number): Promise<void> {
    const { streamSeq, subject } = delivered;
    this.health.failed(streamSeq, attempts, error);
    if (!('undecodable' in delivered) && attempts < this.policy.maxAttempts) {
      this.logger.warn({
        msg: 'commit failed, retrying',
        consumer: this.name,
        streamSeq,
        attempt: attempts,
        error: describeError(error),
      });
      await this.backoff(attempts);
      return;
    }
    try {
      const parked = await this.parkedEntry(
        delivered,
        error,
        attempts,
        this.attempts.get(streamSeq)?.first ?? new Date(),
      );
      this.health.position = await this.target.park(parked);
      this.attempts.delete(streamSeq);
      this.passedOver.add(streamSeq);
      this.health.parkedHere++;
      this.health.recovered();
      this.logger.error({ msg: 'commit parked', consumer: this.name, streamSeq, subject, error: describeError(error) });
    } catch (err) {
      this.logger.warn({ msg: 'could not park, retrying', consumer: this.name, streamSeq, error: describeError(err) });
      await this.backoff(round);
    }
  }

  /** One JetStream consumer from `position`, applied from until it ends; always removed again. */
  private async session(position: number): Promise<Outcome> {
    const { jsm, js, stream, nc } = this.store;
    const name = `${this.name.replace(/[^A-Za-z0-9_-]/g, '_')}-${this.instance}-${++this.sessions}`;
    await jsm.consumers.add(stream, {
      name,
      ack_policy: AckPolicy.All,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: position + 1,
      filter_subject: this.options.filterSubject,
      max_ack_pending: this.batchSize * 2,
      ack_wait: 300_000_000_000,
      inactive_threshold: 300_000_000_000,
      mem_storage: true,
      num_replicas: 1,
    });
    this.sessionName = name;
    const buffer: JsMsg[] = [];
    let broken: string | null = null;
    const interrupt = (reason: string) => {
      broken ??= reason;
      this.wake?.();
    };
    const messages = await (
      await js.consumers.get(stream, name)
    ).consume({
      max_messages: this.batchSize * 2,
      abort_on_missing_resource: true,
      callback: (message) => {
        buffer.push(message);
        this.wake?.();
      },
    });
    void messages.closed().then((err) => interrupt(`consumer closed${err ? `: ${(err as Error).message}` : ''}`));
    // A session that could not be opened is no commit's fault: once one is, that failure is over.
    if (this.sessionTrouble) {
      this.sessionTrouble = false;
      this.health.recovered();
    }
    // The iterator is a QueuedIterator: it can be stopped, though the declared type does not say so.
    const status = nc.status() as AsyncIterable<Status> & { stop(): void };
    void (async () => {
      for await (const s of status) if (s.type === Events.Reconnect) interrupt('reconnected');
    })();
    let expected = 1;
    let lastApplied = -Infinity;
    let previous = position;
    this.feed?.restart();
    try {
      for (;;) {
        if (this.stopped) return { kind: 'stopped' };
        if (broken) return { kind: 'restart', reason: broken };
        if (this.leader?.feed?.after(position))
          return { kind: 'restart', reason: 'level with the consumer it follows' };
        if (buffer.length === 0) {
          const woken = await this.wokenWithin(IDLE_CHECK_MS);
          if (!woken && !buffer.length && !broken) {
            const received = expected - 1;
            const stalled =
              (await consumerStall(this.store.jsm, this.store.stream, name, received, received)) ??
              (await this.wentBack(position));
            if (stalled) return { kind: 'restart', reason: stalled };
          }
          continue;
        }
        const limit = position < this.carefulUntil ? 1 : this.batchSize;
        const gatherUntil = lastApplied + (this.options.gatherMs ?? 0);
        if (buffer.length < limit && performance.now() < gatherUntil) {
          await this.wokenWithin(gatherUntil - performance.now(), () => buffer.length >= limit || broken !== null);
          continue;
        }
        const taken: JsMsg[] = [];
        // Kept for followers only at the end of the log: while it is read from far back, deliveries held that long
        // would each outlive the young generation (tens of megabytes more after a replay), and a follower catches up
        // faster by itself.
        const live = buffer.length <= limit;
        while (taken.length < limit && buffer.length) {
          const { redeliveryCount, deliverySequence } = buffer[0].info;
          if (redeliveryCount > 1 || deliverySequence !== expected)
            return { kind: 'restart', reason: 'delivery out of order' };
          const message = buffer.shift() as JsMsg;
          taken.push(message);
          this.feed?.add(previous, message, live && this.followers.some((f) => this.reaches(f, previous)));
          previous = message.seq;
          expected++;
        }
        const applied = await this.applyTaken(taken);
        if (applied.kind !== 'applied') return applied;
        position = applied.position;
        lastApplied = performance.now();
        taken[applied.count - 1].ack();
        if (applied.count < taken.length) return { kind: 'restart', reason: 'an undecodable commit is next' };
      }
    } finally {
      this.sessionName = null;
      status.stop();
      messages.stop();
      await jsm.consumers.delete(stream, name).catch(() => undefined);
    }
  }

  /**
   * Takes `leader`'s deliveries instead of JetStream's while level with them: one delivery of each commit to the
   * process instead of one per consumer. Both must read the whole stream. Each keeps its own position, failures and
   * parked commits; one that falls behind the leader's deliveries, or finds them gone on without it (the leader's
   * session started again elsewhere, or it stopped), reads through a JetStream consumer of its own until it is level
   * again.
   */
  follow(leader: SequentialConsumer): void {
    const wholeStream = !this.options.filterSubject && !leader.options.filterSubject;
    if (leader === this || !wholeStream || leader.store.stream !== this.store.stream)
      throw new Error('a consumer follows another consumer of the whole of the same stream');
    leader.feed ??= new DeliveryFeed(FEED_CAPACITY);
    leader.feed.listen(() => this.wake?.());
    leader.followers.push(this);
    this.leader = leader;
  }

  /** True when `follower` may still take the delivery that comes after stream sequence `previous` from the feed. */
  private reaches(follower: SequentialConsumer, previous: number): boolean {
    const ahead = previous - follower.health.position;
    return ahead >= 0 && ahead < FEED_CAPACITY;
  }

  /** Applies the leader's deliveries from `position` on, as a session applies its own (see `follow`). */
  private async followFrom(position: number): Promise<Outcome> {
    const feed = this.leader?.feed as DeliveryFeed;
    let lastApplied = -Infinity;
    for (;;) {
      if (this.stopped) return { kind: 'stopped' };
      if (feed.passed(position)) return { kind: 'restart', reason: 'the deliveries followed went on without it' };
      if (!feed.after(position)) {
        const woken = await this.wokenWithin(IDLE_CHECK_MS);
        if (!woken && !feed.after(position)) {
          // The leader is quiet: so is the log, or the leader is held up and this consumer reads on by itself.
          const behind =
            (await this.wentBack(position)) ??
            ((await this.store.lastSequence()) > position ? 'the consumer followed is held up' : null);
          if (behind) return { kind: 'restart', reason: behind };
        }
        continue;
      }
      const gatherUntil = lastApplied + (this.options.gatherMs ?? 0);
      if (performance.now() < gatherUntil) {
        await this.sleep(gatherUntil - performance.now());
        continue;
      }
      const limit = position < this.carefulUntil ? 1 : this.batchSize;
      const taken: JsMsg[] = [];
      for (let next = feed.after(position); next && taken.length < limit; next = feed.after(next.seq)) taken.push(next);
      const applied = await this.applyTaken(taken);
      if (applied.kind !== 'applied') return applied;
      position = applied.position;
      lastApplied = performance.now();
      if (applied.count < taken.length) return { kind: 'restart', reason: 'an undecodable commit is next' };
    }
  }

  /** Decodes deliveries taken in order and applies them up to the first that cannot be decoded. */
  private async applyTaken(
    taken: JsMsg[],
  ): Promise<Exclude<Outcome, { kind: 'stopped' | 'restart' }> | { kind: 'applied'; position: number; count: number }> {
    const delivered = taken.map((message) => decodeDelivered(this.store, message, this.options.eventTypes));
    const bad = delivered.findIndex((d) => 'undecodable' in d);
    if (bad === 0) {
      const first = delivered[0] as Delivered & { undecodable: unknown };
      // A newer release's commit is not at fault: the line waits, as for a dependency away, never parks it.
      if (isTransient(first.undecodable)) return { kind: 'failed', error: first.undecodable, delivered: [first] };
      return { kind: 'undecodable', delivered: first };
    }
    const good = bad > 0 ? delivered.slice(0, bad) : delivered;
    let position: number;
    this.health.busy();
    try {
      position = await this.target.apply(good.map((d) => (d as { commit: Commit }).commit));
    } catch (error) {
      return { kind: 'failed', error, delivered: good };
    } finally {
      this.health.idle();
    }
    this.health.progressed(position, good.length);
    for (const seq of this.attempts.keys()) if (seq <= position) this.attempts.delete(seq);
    return { kind: 'applied', position, count: good.length };
  }

  /**
   * Waits `ms`, or until a delivery, an interruption or a stop wakes it with `enough()` true (a stop always ends it);
   * true when woken.
   */
  private async wokenWithin(ms: number, enough: () => boolean = () => true): Promise<boolean> {
    const woken = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.wake = () => {
        if (!enough() && !this.stopped) return;
        clearTimeout(timer);
        resolve(true);
      };
    });
    this.wake = null;
    return woken;
  }

  /**
   * Why a quiet session must start again from the target's position, if it must: the target holds less than the
   * session applied (a read model's database restored from a backup or recreated under it, a view reset for a
   * recreated stream). A busy session finds out when it next applies; a quiet one would wait for a commit to. A target
   * that cannot say (Postgres away) is left to its next apply.
   */
  private async wentBack(position: number): Promise<string | null> {
    const held = await this.target.position().catch(() => position);
    if (held >= position) return null;
    this.logger.warn({
      msg: 'target went back, catching up from the log',
      consumer: this.name,
      held,
      applied: position,
    });
    return `the target holds sequence ${held}, behind the ${position} applied`;
  }

  /**
   * Commits a per-instance target passed over before this process started (its snapshot says which): another
   * instance's retry of one is applied here too, as if this instance had parked it.
   */
  watchParked(streamSeqs: Iterable<number>): void {
    for (const seq of streamSeqs) this.passedOver.add(seq);
  }

  protected retryParked(commit: Commit, status: ParkedStatus): Promise<void> {
    return this.target.retry(commit, status);
  }

  protected override watchedParked(): number[] {
    return this.options.perInstance ? [...this.passedOver] : [];
  }

  protected override forgetParked(streamSeq: number): void {
    this.passedOver.delete(streamSeq);
  }

  /**
   * Commits not applied yet: as JetStream counts them for the session's consumer. Without one (between sessions), by
   * the stream's end for a consumer of the whole stream; for one with a filter, as its last session counted them (the
   * stream's end would count every other subject's commits too, and counting the filter's own costs nats-server 2.9 a
   * scan of the stream), unknown before its first.
   */
  async lag(): Promise<number> {
    const name = this.sessionName;
    if (name) {
      const info = await this.store.jsm.consumers.info(this.store.stream, name).catch(() => null);
      if (info) return (this.sessionLag = info.num_pending + info.num_ack_pending);
    }
    if (!this.options.filterSubject) return Math.max(0, (await this.store.lastSequence()) - this.health.position);
    if (this.sessionLag === null) throw new Error('no session has counted the lag of this filter yet');
    return this.sessionLag;
  }
}
