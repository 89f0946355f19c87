import type { Socket } from 'node:net';
import { NodeTransport } from 'nats/lib/src/node_transport';

const CORKED = Symbol('corked');
let flushEvery: 'turn' | 'ticks' = 'turn';

type Transport = { send(frame: Uint8Array): void; socket?: Socket; [CORKED]?: boolean };

/**
 * Makes every NATS connection of this process write to its socket at most once per turn of the event loop (`turn`),
 * or once per callback (`ticks`: when the promise jobs and ticks that one I/O callback set going have all run).
 * nats.js writes whenever a microtask has queued something, which under load is a system call for every message or
 * two: in profiles of the resolver, the gateway and the orchestrator those writes were the biggest single cost (a
 * sixth to two fifths of each). Corked, the messages leave in one `writev`, as Nagle's algorithm would send them.
 * Request/reply services (the resolver, the gateway) wait for the turn's end. The orchestrator, whose batches are
 * chains of dependent writes, answered later that way (each link waits for the end of a busy turn), so it flushes
 * per callback: its writes went from a fifth of its CPU to an eighth, and a link never waits for another callback.
 */
export function coalesceNatsWrites(every: 'turn' | 'ticks' = 'turn'): void {
  flushEvery = every;
  const prototype = NodeTransport.prototype as unknown as Transport;
  if (prototype.send.name === sendCoalesced.name) return;
  const send = prototype.send;
  function sendCoalesced(this: Transport, frame: Uint8Array) {
    const socket = this.socket;
    if (socket && !this[CORKED] && !socket.destroyed) {
      this[CORKED] = true;
      socket.cork();
      const uncork = () => {
        this[CORKED] = false;
        socket.uncork();
      };
      if (flushEvery === 'turn') setImmediate(uncork);
      else process.nextTick(uncork);
    }
    send.call(this, frame);
  }
  prototype.send = sendCoalesced;
}
