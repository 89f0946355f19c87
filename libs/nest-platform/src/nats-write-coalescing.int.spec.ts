import type { Socket } from 'node:net';
import { connect, NatsConnection } from 'nats';
import { natsConnectOptions } from './nats-connection';
import { atTurnEnd, coalesceNatsWrites } from './nats-write-coalescing';

describe('NATS writes of a service', () => {
  let nc: NatsConnection;

  beforeAll(async () => {
    coalesceNatsWrites();
    nc = await connect(natsConnectOptions({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' }, 'coalescing'));
  });

  afterAll(() => nc.close());

  /** Resolves once `count` turns of the event loop have ended after this one. */
  async function turnsPass(count: number) {
    for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** In one callback, publishes `0` on `subject` and asks for `task` at that turn's end; then three turns pass. */
  async function publishWithTurnEnd(subject: string, task: () => void) {
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        nc.publish(subject, '0');
        atTurnEnd(task);
        resolve();
      }),
    );
    await turnsPass(3);
  }

  /** Counts the connection's socket writes from now on, and what its subscription receives. */
  async function watch(subject: string) {
    const socket = (nc as unknown as { protocol: { transport: { socket: Socket } } }).protocol.transport.socket;
    const counted = { writes: 0, received: [] as number[] };
    for (const method of ['_write', '_writev'] as const) {
      const original = socket[method] as (...args: unknown[]) => void;
      socket[method] = function (this: Socket, ...args: unknown[]) {
        counted.writes++;
        return original.apply(this, args);
      } as never;
    }
    const sub = nc.subscribe(subject, { callback: (_err, msg) => counted.received.push(Number(msg.string())) });
    await nc.flush();
    counted.writes = 0;
    return { counted, sub };
  }

  it('leave in one socket write per turn of the event loop, every message delivered in order', async () => {
    coalesceNatsWrites('turn');
    const subject = `coalescing.${process.pid}.turn`;
    const { counted, sub } = await watch(subject);

    // Published from 200 callbacks of one turn (as replies of a turn's requests are): nats.js alone writes after each.
    const published = Array.from(
      { length: 200 },
      (_, i) => new Promise<void>((resolve) => setImmediate(() => (nc.publish(subject, String(i)), resolve()))),
    );
    await Promise.all(published);
    await turnsPass(1);
    expect(counted.writes).toBe(1);
    await nc.flush();
    expect(counted.received).toEqual(Array.from({ length: 200 }, (_, i) => i));
    sub.unsubscribe();
  });

  it('leave with what runs at the end of the turn, which a setImmediate of its own would miss', async () => {
    coalesceNatsWrites('turn');
    const subject = `coalescing.${process.pid}.turn-end`;
    const { counted, sub } = await watch(subject);

    // A write early in the turn schedules the flush; what is published at the turn's end (answers of the turn) leaves
    // in the same write, not in the next turn's.
    await publishWithTurnEnd(subject, () => nc.publish(subject, '1'));
    expect(counted.writes).toBe(1);
    await nc.flush();
    expect(counted.received).toEqual([0, 1]);
    sub.unsubscribe();
  });

  it('run what is asked for at the end of the turn while the last one ends, at the next', async () => {
    coalesceNatsWrites('turn');
    const subject = `coalescing.${process.pid}.turn-end-late`;
    const { counted, sub } = await watch(subject);

    // A task's promise job asks for the end of the turn after the tasks have run and before the sockets are
    // uncorked (an answer decided in that moment): it must still run, and what it sends still leave.
    await publishWithTurnEnd(
      subject,
      () => void Promise.resolve().then(() => atTurnEnd(() => nc.publish(subject, '1'))),
    );
    expect(counted.writes).toBe(2);
    await nc.flush();
    expect(counted.received).toEqual([0, 1]);
    sub.unsubscribe();
  });

  it('leave in one socket write per callback (ticks), every message delivered in order', async () => {
    coalesceNatsWrites('ticks');
    const subject = `coalescing.${process.pid}.ticks`;
    const { counted, sub } = await watch(subject);

    // One callback's chain of promise jobs, a publish after each (as a batch's dependent steps are): nats.js alone
    // writes after each; then a second callback of the same turn, which writes apart from the first.
    const chained = async (from: number) => {
      for (let i = from; i < from + 100; i++) {
        nc.publish(subject, String(i));
        await Promise.resolve();
      }
    };
    await Promise.all([0, 100].map((from) => new Promise((resolve) => setImmediate(() => resolve(chained(from))))));
    await turnsPass(1);
    expect(counted.writes).toBe(2);
    await nc.flush();
    expect(counted.received).toEqual(Array.from({ length: 200 }, (_, i) => i));
    sub.unsubscribe();
  });
});
