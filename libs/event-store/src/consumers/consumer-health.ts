import { describeError } from './failures';

/** What a consumer's health is made of, for liveness, readiness and metrics. */
export interface ConsumerReport {
  consumer: string;
  /** Last stream sequence applied (a shared consumer: the highest it has finished). */
  position: number;
  /** Commits delivered to none of its handlers yet, as JetStream counts them (null while unknown). */
  lag: number | null;
  /** Commits parked and not yet retried or skipped. */
  parked: number | null;
  /** The line is stopped on this commit: since when, how often tried, why. */
  failing: { streamSeq: number; since: string; attempts: number; error: string } | null;
  /**
   * Seconds its oldest work in progress has run (an apply, or a commit a shared consumer holds), 0 when idle: a step
   * that never ends grows here, though a shared consumer keeps its commit alive in JetStream.
   */
  busySeconds: number;
  /** False when its loop has died or one apply has hung past the stall limit. */
  alive: boolean;
  reason?: string;
}

/** Where logs of a consumer go (a Nest Logger fits). */
export interface ConsumerLogger {
  log(message: object): void;
  warn(message: object): void;
  error(message: object): void;
}

export const silentLogger: ConsumerLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** The bookkeeping every consumer keeps of itself; read by reports, written by the loop. */
export class ConsumerHealth {
  position = 0;
  applied = 0;
  parkedHere = 0;
  /** On the monotonic clock: a step of the wall clock (NTP correcting a drifted VM) is no hang. */
  private busySince: number | null = null;
  /** A shared consumer's commits in hand, by stream sequence: since when, on the monotonic clock (oldest first). */
  private readonly held = new Map<number, number>();
  private failure: ConsumerReport['failing'] = null;
  private dead: string | null = null;

  constructor(
    readonly consumer: string,
    /** An apply running longer than this has hung: liveness fails so the process is restarted. */
    private readonly stallAfterMs: number,
  ) {}

  busy(): void {
    this.busySince = performance.now();
  }

  idle(): void {
    this.busySince = null;
  }

  took(streamSeq: number): void {
    this.held.set(streamSeq, performance.now());
  }

  released(streamSeq: number): void {
    this.held.delete(streamSeq);
  }

  busySeconds(): number {
    const [oldestHeld] = this.held.values();
    const since = Math.min(this.busySince ?? Infinity, oldestHeld ?? Infinity);
    return since === Infinity ? 0 : Math.round(performance.now() - since) / 1000;
  }

  progressed(position: number, commits: number): void {
    this.position = Math.max(this.position, position);
    this.applied += commits;
    this.failure = null;
  }

  /**
   * The position as the target has it, which another instance may have moved past a commit that failed here: that
   * failure is then over, though this instance never applied the commit itself.
   */
  positionedAt(position: number): void {
    this.position = position;
    if (this.failure && this.failure.streamSeq <= position) this.failure = null;
  }

  failed(streamSeq: number, attempts: number, err: unknown): void {
    const since = this.failure?.streamSeq === streamSeq ? this.failure.since : new Date().toISOString();
    this.failure = { streamSeq, since, attempts, error: describeError(err) };
  }

  recovered(): void {
    this.failure = null;
  }

  died(err: unknown): void {
    this.dead = describeError(err);
  }

  get failing(): ConsumerReport['failing'] {
    return this.failure;
  }

  liveness(): { alive: boolean; reason?: string } {
    if (this.dead) return { alive: false, reason: `consumer loop died: ${this.dead}` };
    const busyMs = this.busySince === null ? 0 : performance.now() - this.busySince;
    if (busyMs > this.stallAfterMs) {
      return { alive: false, reason: `one apply has run for ${Math.round(busyMs / 1000)} s` };
    }
    return { alive: true };
  }
}
