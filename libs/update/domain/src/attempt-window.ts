/**
 * A deployment's recent attempts, kept so that recording one and asking how many devices attempted more than once
 * cost O(1) amortized however many the window holds: a busy deployment's checks must not cost as much as its
 * window. Attempts are recorded in log order, which is time order up to clock skew between instances; one stamped
 * earlier than the attempt before it leaves the window with that one. A window made shorter by a rule change drops
 * attempts for good; made longer, it does not bring dropped ones back.
 */
export class AttemptWindow {
  private entries: { deviceId: string; at: number }[] = [];
  private head = 0;
  private readonly perDevice = new Map<string, number>();
  private repeating = 0;

  record(deviceId: string, at: number, windowMs: number): void {
    this.expire(at - windowMs);
    this.entries.push({ deviceId, at });
    const count = (this.perDevice.get(deviceId) ?? 0) + 1;
    this.perDevice.set(deviceId, count);
    if (count === 2) this.repeating++;
  }

  /** Attempts per device within `windowMs` before `now`. */
  attemptsPerDevice(now: number, windowMs: number): ReadonlyMap<string, number> {
    this.expire(now - windowMs);
    return this.perDevice;
  }

  /** Devices with at least two attempts within `windowMs` before `now`. */
  repeatingDevices(now: number, windowMs: number): number {
    this.expire(now - windowMs);
    return this.repeating;
  }

  /** Drops attempts at or before `start`. */
  private expire(start: number): void {
    while (this.head < this.entries.length && this.entries[this.head].at <= start) {
      const { deviceId } = this.entries[this.head++];
      const count = (this.perDevice.get(deviceId) as number) - 1;
      if (count === 1) this.repeating--;
      if (count === 0) this.perDevice.delete(deviceId);
      else this.perDevice.set(deviceId, count);
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
