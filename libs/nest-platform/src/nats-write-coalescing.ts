import type { Socket } from 'node:net';
import { NodeTransport } from 'nats/lib/src/node_transport';

let flushEvery: 'turn' | 'ticks' = 'turn';

type Transport = { send(frame: Uint8Array): void; socket?: Socket };

/** Sockets written to since they were last flushed, and what is to run at the end of this turn, before the flush. */
const corked = new Set<Socket>();
const turnEndTasks: (() => void)[] = [];
/** True from the moment a turn's end is scheduled until it has run: writes and tasks meanwhile go with it. */
let turnEndScheduled = false;

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
    if (socket && !corked.has(socket) && !socket.destroyed) {
      corked.add(socket);
      socket.cork();
      if (flushEvery === 'ticks') process.nextTick(() => corked.delete(socket) && socket.uncork());
      else scheduleTurnEnd();
    }
    send.call(this, frame);
  }
  prototype.send = sendCoalesced;
}

/**
 * Runs `task` at the end of this turn of the event loop (once its I/O callbacks have run), just before the turn's
 * NATS writes leave, so that what it sends leaves with them. A `setImmediate` of its own would run after the flush
 * when a write earlier in the turn had scheduled it first, and what it sent would wait for the next turn's.
 */
export function atTurnEnd(task: () => void): void {
  turnEndTasks.push(task);
  scheduleTurnEnd();
}

function scheduleTurnEnd(): void {
  if (turnEndScheduled) return;
  turnEndScheduled = true;
  setImmediate(endTurn);
}

function endTurn(): void {
  // A task may add tasks: they run now too.
  for (let i = 0; i < turnEndTasks.length; i++) {
    try {
      turnEndTasks[i]();
    } catch (err) {
      // Thrown as from a callback of its own, without keeping the others or the flush from running.
      queueMicrotask(() => {
        throw err;
      });
    }
  }
  turnEndTasks.length = 0;
  turnEndScheduled = false;
  // nats.js hands a connection's messages to its socket in a promise job it queues at the first one: the flush is
  // queued after the tasks' own, so what they published leaves now. Uncorked at once, it reached sockets no longer
  // corked, and waited for the next turn's flush (a turn late for every answer and request sent at a turn's end).
  queueMicrotask(() => {
    for (const socket of corked) socket.uncork();
    corked.clear();
  });
}
