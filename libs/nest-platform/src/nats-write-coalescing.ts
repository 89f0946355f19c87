import type { Socket } from 'node:net';
import { NodeTransport } from 'nats/lib/src/node_transport';

const CORKED = Symbol('corked');

type Transport = { send(frame: Uint8Array): void; socket?: Socket; [CORKED]?: boolean };

/**
 * Makes every NATS connection of this process write to its socket at most once per turn of the event loop. nats.js
 * writes whenever a microtask has queued something, which under load is a system call for every message or two: in
 * profiles of the resolver and the gateway those writes were the biggest single cost (a sixth to two fifths of each).
 * Corked until the turn ends, a turn's messages leave in one `writev`, as Nagle's algorithm would send them. It is for
 * request/reply services (the resolver and the gateway call it): the orchestrator, whose batches are chains of
 * dependent writes, answered later with it (each link waits for the end of a busy turn) and no faster overall.
 */
export function coalesceNatsWrites(): void {
  const prototype = NodeTransport.prototype as unknown as Transport;
  if (prototype.send.name === sendCoalesced.name) return;
  const send = prototype.send;
  function sendCoalesced(this: Transport, frame: Uint8Array) {
    const socket = this.socket;
    if (socket && !this[CORKED] && !socket.destroyed) {
      this[CORKED] = true;
      socket.cork();
      setImmediate(() => {
        this[CORKED] = false;
        socket.uncork();
      });
    }
    send.call(this, frame);
  }
  prototype.send = sendCoalesced;
}
