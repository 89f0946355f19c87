import { NatsConnection } from 'nats';
import { eventually } from '@flotilla/testing';
import { Figure, goal, Scenario } from '../measure';
import { startUpdateFleet } from './update-fleet';

/** The time a bare ordered consumer takes to read a stream from its first message to its last. */
async function rawRead(nc: NatsConnection, stream: string): Promise<{ ms: number; messages: number }> {
  const js = nc.jetstream();
  const last = (await (await nc.jetstreamManager()).streams.info(stream)).state.last_seq;
  const started = performance.now();
  const messages = await (await js.consumers.get(stream)).consume({ max_messages: 1_000 });
  let read = 0;
  for await (const message of messages) {
    read++;
    if (message.seq >= last) break;
  }
  messages.stop();
  return { ms: performance.now() - started, messages: read };
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
      context.progress('raw consumer reading the log');
      const raw = await rawRead(fleet.nc, fleet.stream);
      context.progress('restarting the resolver');
      const restartMs = await fleet.restart();
      const startedFrom = await fleet.metric('flotilla_fleet_view_started_from');
      const ratio = (100 * restartMs) / raw.ms;
      const figures: Figure[] = [
        { name: `raw consumer reading the log (${raw.messages} commits)`, value: raw.ms, unit: 'ms' },
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
          ratioTo: `raw consumer reading the log (${raw.messages} commits)`,
          ...goal('≤ 25% of the time a raw consumer takes to read the log, same run', ratio <= 25),
        },
      ];
      return figures;
    } finally {
      await fleet.close();
    }
  },
};
