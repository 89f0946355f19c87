import { AckPolicy, DeliverPolicy, NatsConnection } from 'nats';
import { eventually } from '@flotilla/testing';
import { Figure, goal, Scenario } from '../measure';
import { startUpdateFleet } from './update-fleet';

/**
 * The time a raw consumer takes to read a stream from its first message to its last: the spec's raw consumer (a
 * durable pull consumer acknowledging each message), or a bare ordered consumer (no acknowledgements at all).
 */
async function rawRead(
  nc: NatsConnection,
  stream: string,
  kind: 'durable' | 'ordered',
): Promise<{ ms: number; messages: number }> {
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const last = (await jsm.streams.info(stream)).state.last_seq;
  const durable = kind === 'durable' ? `raw-read-${Date.now()}` : undefined;
  if (durable)
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: 10_000,
    });
  const started = performance.now();
  const messages = await (await js.consumers.get(stream, durable)).consume({ max_messages: 1_000 });
  let read = 0;
  for await (const message of messages) {
    if (durable) message.ack();
    read++;
    if (message.seq >= last) break;
  }
  const ms = performance.now() - started;
  messages.stop();
  if (durable) await jsm.consumers.delete(stream, durable);
  return { ms, messages: read };
}

/**
 * performance.md `restart`: the update-resolver restarted over a log of 1,000,000 devices (its snapshot, taken once it
 * had read the log, and a tail of 1% more devices written after it) against a raw consumer reading that log.
 */
export const restart: Scenario = {
  name: 'restart',
  description: 'update-resolver restarted over 1,000,000 devices (snapshot and tail) vs a raw consumer reading the log',
  async run(context) {
    const devices = Math.max(1_000, Math.round(1_000_000 * context.scale));
    const fleet = await startUpdateFleet(context, {
      devices,
      products: 10,
      deploymentsPerProduct: 100,
      snapshotEvery: Math.floor(devices / 2),
    });
    try {
      context.progress('waiting for the snapshot');
      await eventually(
        async () => (await fleet.metric('flotilla_fleet_snapshot_stream_seq')) > 0,
        600_000,
        'a snapshot',
      );
      const tail = Math.round(devices / 100);
      await fleet.seedDevices(devices, devices + tail);
      // Read while nothing else runs, as the restart is timed: the resolver applying the tail beside it would slow
      // the raw read down (by 2x, measured) and flatter the ratio.
      await fleet.settled();
      context.progress('raw consumers reading the log');
      const raw = await rawRead(fleet.nc, fleet.stream, 'durable');
      const bare = await rawRead(fleet.nc, fleet.stream, 'ordered');
      context.progress('restarting the resolver');
      const restartMs = await fleet.restart();
      const startedFrom = await fleet.metric('flotilla_fleet_view_started_from');
      const ratio = (100 * restartMs) / raw.ms;
      const rawName = `raw durable consumer reading the log, ack each (${raw.messages} commits)`;
      const bareName = `raw ordered consumer reading the log, no acks (${bare.messages} commits)`;
      const figures: Figure[] = [
        { name: rawName, value: raw.ms, unit: 'ms' },
        { name: bareName, value: bare.ms, unit: 'ms' },
        { name: 'first start, the whole log, to serving', value: fleet.firstStartMs, unit: 'ms' },
        {
          name: `restart to ready (snapshot at seq ${startedFrom}, ${tail} devices after it)`,
          value: restartMs,
          unit: 'ms',
        },
        {
          name: 'restart to the raw read',
          value: ratio,
          unit: '%',
          ratioTo: rawName,
          ...goal('≤ 25% of the time a raw consumer takes to read the log, same run', ratio <= 25),
        },
        { name: 'restart to the bare ordered read', value: (100 * restartMs) / bare.ms, unit: '%', ratioTo: bareName },
      ];
      return figures;
    } finally {
      await fleet.close();
    }
  },
};
