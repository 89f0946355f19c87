import { planPlacement } from '@flotilla/batch-domain';
import { closedLoop, Figure, goal, latencyPercentiles, Scenario } from '../measure';
import { startUpdateFleet } from './update-fleet';

/** Median and p99 time of `planPlacement` with `facilities` facilities in the list's `any`, diversity 5. */
function timePlacement(facilities: number, runs: number): { p50Ms: number; p99Ms: number } {
  const available = Object.fromEntries(Array.from({ length: facilities }, (_, i) => [`f${i}`, (i * 7919) % 40]));
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    planPlacement({ facility: ['f3', 'any', 'f1'], facilityDiversityLevel: 5, quantity: 150 + (i % 40) }, available);
    samples.push(performance.now() - t0);
  }
  return latencyPercentiles(samples);
}

/** Restarts whose first checks make the cold figures (at full size). */
const COLD_RESTARTS = 5;
/** The resolver's `DEVICE_SNAPSHOT_EVERY`, set here: a device's aggregate is snapshotted every so many commits. */
const DEVICE_SNAPSHOT_EVERY = 16;

/**
 * Check latency of devices with 10 and with 10,000 past attempts (a commit each, before their last firmware change),
 * each check offered the update (an attempt), one at a time: warm (after each device's first check), then cold (each
 * device's first check after the resolver is killed and started again, nothing of it cached; over five restarts at
 * full size).
 */
async function timeChecks(context: Parameters<Scenario['run']>[0]): Promise<Figure[]> {
  const long = Math.max(100, Math.round(10_000 * context.scale));
  const fleet = await startUpdateFleet(context, {
    devices: 40,
    products: 1,
    deploymentsPerProduct: 1,
    historyDevices: [
      { attempts: 10, count: 20 },
      { attempts: long, count: 20 },
    ],
    deviceSnapshotEvery: DEVICE_SNAPSHOT_EVERY,
    // Rules no number of checks breaks: every check of every device stays an attempt, nothing is quarantined.
    rules: {
      failureRate: 1e9,
      failureRateSeconds: 1,
      failureThreshold: 1e9,
      deviceFailureRate: 1e9,
      deviceFailureRateSeconds: 1,
      deviceFailureThreshold: 1e9,
    },
  });
  try {
    const device = async (i: number) => {
      // Each reports the old firmware it was seeded with, and is offered the update: a read of its aggregate when it is
      // not cached, and an attempt.
      if (!(await fleet.check(i, true)).update_available) throw new Error(`device ${i} was offered nothing`);
    };
    /**
     * Each device's first check, devices of both kinds in turn (neither meets a colder process than the other), added
     * to `samples` (few, many).
     */
    const firstChecks = async (samples: number[][] = [[], []]) => {
      for (let i = 0; i < 40; i++) {
        const kind = i % 2;
        const t0 = performance.now();
        await device(kind * 20 + (i >> 1));
        samples[kind].push(performance.now() - t0);
      }
    };
    const latency = async (from: number) => {
      let i = from;
      return closedLoop(() => device(from + (i++ % 20)), 1, 2_000 * Math.max(context.scale, 0.5));
    };
    // Nothing settling beside the checks: every consumer has applied the seeded history.
    await fleet.settled();
    await firstChecks(); // each device's history read once, as a device checking in for years has had it
    const few = await latency(0);
    const many = await latency(20);
    // A device not cached reads its newest snapshot and the commits since (fewer than DEVICE_SNAPSHOT_EVERY). Device j
    // of each kind gets j more checks here, so both kinds spread alike over that cadence, and neither reads more
    // commits since its snapshot by an accident of how many checks it has had.
    for (let j = 0; j < 20; j++) {
      for (let n = 0; n < j % DEVICE_SNAPSHOT_EVERY; n++) {
        await device(j);
        await device(20 + j);
      }
    }
    // Cold: every device's first check after a restart, over several restarts, as one restart's 20 of each kind leave
    // the median to the noise of a process just started.
    const cold: number[][] = [[], []];
    for (let restart = 0; restart < Math.max(1, Math.round(COLD_RESTARTS * context.scale)); restart++) {
      await fleet.restart();
      await fleet.settled();
      await firstChecks(cold);
    }
    const [coldFew, coldMany] = cold.map(latencyPercentiles);
    type Latency = { p50Ms: number; p99Ms: number };
    const checks = (name: string, { p50Ms, p99Ms }: Latency): Figure => ({
      name,
      value: p50Ms * 1000,
      unit: 'µs',
      p50Ms,
      p99Ms,
    });
    const compared = (when: 'warm' | 'cold', withFew: Latency, withMany: Latency): Figure[] => [
      checks(`check, device with 10 past attempts (${when})`, withFew),
      checks(`check, device with ${long} past attempts (${when})`, withMany),
      {
        name: `ratio ${long} / 10 attempts (${when})`,
        value: withMany.p50Ms / withFew.p50Ms,
        unit: 'x',
        ...goal('≤ 1.2', withMany.p50Ms / withFew.p50Ms <= 1.2),
      },
    ];
    return [...compared('warm', few, many), ...compared('cold', coldFew, coldMany)];
  } finally {
    await fleet.close();
  }
}

/**
 * performance.md `history`: check latency with 10 vs 10,000 past attempts; placement time for 10 vs 1,000 facilities.
 */
export const history: Scenario = {
  name: 'history',
  description:
    'check latency with 10 vs 10,000 past attempts; placement time with 10 vs 1,000 facilities at diversity 5',
  async run(context) {
    const runs = Math.max(200, Math.round(5_000 * context.scale));
    timePlacement(1_000, 200); // warm up the JIT
    const small = timePlacement(10, runs);
    const large = timePlacement(1_000, runs);
    const figures: Figure[] = [
      ...(await timeChecks(context)),
      {
        name: 'placement, 10 facilities, diversity 5',
        value: small.p50Ms * 1000,
        unit: 'µs',
        ...small,
      },
      {
        name: 'placement, 1,000 facilities, diversity 5',
        value: large.p50Ms * 1000,
        unit: 'µs',
        ...large,
        ...goal('≤ 1 ms', large.p50Ms <= 1),
      },
    ];
    return figures;
  },
};
