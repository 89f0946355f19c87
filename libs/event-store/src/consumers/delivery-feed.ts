import { JsMsg } from 'nats';

/**
 * A sequential consumer's deliveries of its current session, as it takes them (in order, each once, none missing),
 * kept for the consumers of the same stream in the same process that follow it: each delivery by the stream sequence
 * it follows (the one before it, or the session's start), the newest `capacity` of them.
 */
export class DeliveryFeed {
  private readonly byPrevious = new Map<number, JsMsg>();
  private readonly listeners = new Set<() => void>();
  /** The stream sequence of the newest delivery; 0 when there is none. */
  private newest = 0;

  constructor(private readonly capacity: number) {}

  /** A new session: what the last one delivered is not followed on from. */
  restart(): void {
    this.byPrevious.clear();
    this.newest = 0;
  }

  /** A delivery taken, kept for followers or not: one not kept ends the following of any follower behind it. */
  add(previous: number, message: JsMsg, keep: boolean): void {
    if (keep) {
      this.byPrevious.set(previous, message);
      if (this.byPrevious.size > this.capacity) this.byPrevious.delete(this.byPrevious.keys().next().value as number);
    }
    this.newest = message.seq;
    for (const listener of this.listeners) listener();
  }

  /** The delivery right after stream sequence `seq`, when the feed holds it. */
  after(seq: number): JsMsg | undefined {
    return this.byPrevious.get(seq);
  }

  /** True when the feed went on past `seq` without holding what follows it: a follower there cannot go on from it. */
  passed(seq: number): boolean {
    return this.newest > seq && !this.byPrevious.has(seq);
  }

  /** Calls `listener` on every delivery taken, kept or not. */
  listen(listener: () => void): void {
    this.listeners.add(listener);
  }
}
