import { RequestOne } from 'nats/lib/nats-base-client/request';

const SETTLED = Symbol('settled');

type Request = {
  resolver(err: Error | null, msg: unknown): void;
  cancel(err?: Error): void;
  timer?: { cancel(): void };
  mux: { cancel(request: unknown): void };
  [SETTLED]?: boolean;
};

/**
 * Stops nats.js from building an error for every request/reply that went well. Its request settles the promise with
 * the reply and then cancels itself, and the cancel rejects the settled promise (a no-op) with a new `NatsError`:
 * a stack captured per reply, about a third of a request's client CPU when measured (in the gateway's profile under
 * the device API, a twentieth of its time; a JetStream publish is such a request too). A settled request now only
 * gives back its timer and its place in the inbox; a cancel before any answer (a timeout, a failed publish) is
 * unchanged. For nats 2.29 (pinned): its `RequestOne` is patched in place, once.
 */
export function settleNatsRequestsQuietly(): void {
  const prototype = RequestOne.prototype as unknown as Request;
  if (prototype.cancel.name === cancelQuietly.name) return;
  const { resolver, cancel } = prototype;
  prototype.resolver = function resolveOnce(this: Request, err: Error | null, msg: unknown) {
    this[SETTLED] = true;
    resolver.call(this, err, msg);
  };
  function cancelQuietly(this: Request, err?: Error) {
    if (err !== undefined || !this[SETTLED]) return cancel.call(this, err);
    this.timer?.cancel();
    this.mux.cancel(this);
  }
  prototype.cancel = cancelQuietly;
}
