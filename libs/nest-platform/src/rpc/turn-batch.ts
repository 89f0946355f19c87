import type { Reply } from '@flotilla/contracts';
import { atTurnEnd } from '../nats-write-coalescing';

interface Waiting<Item, Result> {
  item: Item;
  settle: (reply: Reply<Result>) => void;
  fail: (err: unknown) => void;
  answered?: boolean;
}

/**
 * Sends a request of `items` and hands each item's reply to `answer` by its position, as the replies come (in one
 * message or several), until `answer` says every item has its reply; resolves then.
 */
export type SendItems<Item, Result> = (
  items: Item[],
  answer: (index: number, reply: Reply<Result>) => boolean,
) => Promise<void>;

/** How many items one request may carry, and how large they may be together (by `size`, in bytes). */
export interface TurnBatchLimits<Item> {
  items: number;
  bytes: number;
  size: (item: Item) => number;
}

/**
 * Gathers the items asked for during one turn of the event loop and sends them together once the turn's callbacks
 * have run (`atTurnEnd`: with the turn's other NATS writes), within the limits per request: a request's fixed cost
 * (its signature, headers, the bus's per-message work at both ends) is paid once for all of them. No item waits for a
 * timer: one asked alone in its turn leaves alone, at the end of that turn. Each item gets its own reply envelope, as
 * soon as it comes; a request that fails (no answer, or not a whole one) fails every item it carried that has none,
 * and only those.
 */
export class TurnBatch<Item, Result> {
  private waiting: Waiting<Item, Result>[] = [];

  constructor(
    private readonly send: SendItems<Item, Result>,
    private readonly limits: TurnBatchLimits<Item>,
  ) {}

  add(item: Item): Promise<Reply<Result>> {
    return new Promise((settle, fail) => {
      if (this.waiting.push({ item, settle, fail }) === 1) atTurnEnd(() => this.flush());
    });
  }

  private flush(): void {
    const waiting = this.waiting;
    this.waiting = [];
    let part: Waiting<Item, Result>[] = [];
    let bytes = 0;
    for (const one of waiting) {
      const size = this.limits.size(one.item);
      if (part.length && (part.length === this.limits.items || bytes + size > this.limits.bytes)) {
        void this.request(part);
        [part, bytes] = [[], 0];
      }
      part.push(one);
      bytes += size;
    }
    void this.request(part);
  }

  private async request(part: Waiting<Item, Result>[]): Promise<void> {
    let left = part.length;
    const answer = (index: number, reply: Reply<Result>) => {
      const waiting = part[index];
      if (waiting && !waiting.answered) {
        waiting.answered = true;
        left--;
        waiting.settle(reply);
      }
      return left === 0;
    };
    let failure: unknown;
    try {
      await this.send(
        part.map(({ item }) => item),
        answer,
      );
    } catch (err) {
      failure = err;
    }
    if (left) {
      failure ??= new Error(`${left} of ${part.length} items got no reply`);
      for (const waiting of part) if (!waiting.answered) waiting.fail(failure);
    }
  }
}
