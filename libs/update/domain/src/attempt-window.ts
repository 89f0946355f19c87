/** One device's attempts in a window; replaced, not reset, when the device's cut-off moves. */
interface DeviceAttempts {
  count: number;
}

/**
 * A deployment's recent attempts, kept so that recording one and asking how many devices attempted more than once
 * cost O(1) amortized however many the window holds: a busy deployment's checks must not cost as much as its
 * window. Attempts are recorded in log order, which is time order up to clock skew between instances; one stamped
 * earlier than the attempt before it leaves the window with that one. A window made shorter by a rule change drops
 * attempts for good; made longer, it does not bring dropped ones back.
 */
export class AttemptWindow {
  private entries: { identifier: string; at: number; attempts: DeviceAttempts }[] = [];
  private head = 0;
  private readonly perDevice = new Map<string, DeviceAttempts>();
  private repeating = 0;

  record(identifier: string, at: number, windowMs: number): void {
    this.expire(at - windowMs);
    let attempts = this.perDevice.get(identifier);
    if (!attempts) this.perDevice.set(identifier, (attempts = { count: 0 }));
    attempts.count++;
    if (attempts.count === 2) this.repeating++;
    this.entries.push({ identifier, at, attempts });
  }

  /**
   * The device's cut-off moved (it was unquarantined, or reported other firmware): its attempts so far no longer
   * count (firmware-deployments.md §5).
   */
  forget(identifier: string): void {
    const attempts = this.perDevice.get(identifier);
    if (!attempts) return;
    if (attempts.count >= 2) this.repeating--;
    this.perDevice.delete(identifier);
  }

  /** Devices with at least one attempt within `windowMs` before `now`. */
  devices(now: number, windowMs: number): number {
    this.expire(now - windowMs);
    return this.perDevice.size;
  }

  /** Devices with at least two attempts within `windowMs` before `now`. */
  repeatingDevices(now: number, windowMs: number): number {
    this.expire(now - windowMs);
    return this.repeating;
  }

  /** Attempts per device within `windowMs` before `now` (a copy, for inspection). */
  countsPerDevice(now: number, windowMs: number): Map<string, number> {
    this.expire(now - windowMs);
    return new Map([...this.perDevice].map(([identifier, attempts]) => [identifier, attempts.count]));
  }

  /** The attempts that still count, oldest first, as `[identifier, at]`: what a snapshot keeps of the window. */
  live(): [string, number][] {
    const live: [string, number][] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const { identifier, at, attempts } = this.entries[i];
      if (this.perDevice.get(identifier) === attempts) live.push([identifier, at]);
    }
    return live;
  }

  /** A window holding exactly these attempts (`live()` of another), as if each had been recorded in turn. */
  static of(live: [string, number][]): AttemptWindow {
    const window = new AttemptWindow();
    for (const [identifier, at] of live) window.record(identifier, at, Infinity);
    return window;
  }

  /** Drops attempts at or before `start`; those of a device forgotten since are gone already. */
  private expire(start: number): void {
    while (this.head < this.entries.length && this.entries[this.head].at <= start) {
      const { identifier, attempts } = this.entries[this.head++];
      if (this.perDevice.get(identifier) !== attempts) continue;
      attempts.count--;
      if (attempts.count === 1) this.repeating--;
      if (attempts.count === 0) this.perDevice.delete(identifier);
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
