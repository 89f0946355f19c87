import { planPlacement } from '@flotilla/batch-domain';
import { closedLoop, Figure, goal, percentile, Scenario } from '../measure';
import { startUpdateFleet } from './update-fleet';

/** Median and p99 time of `planPlacement` with `facilities` facilities in the list's `any`, diversity 5. */
function timePlacement(facilities: number, runs: number): { p50: number; p99: number } {
  const available = Object.fromEntries(Array.from({ length: facilities }, (_, i) => [`f${i}`, (i * 7919) % 40]));
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    planPlacement({ facility: ['f3', 'any', 'f1'], facilityDiversityLevel: 5, quantity: 150 + (i % 40) }, available);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/**
 * Check latency of devices with 10 and with 10,000 past attempts (before their last firmware change, so they are
 * still offered updates), one at a time, after a warm-up.
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
  });
  try {
    const latency = async (from: number) => {
      const device = (i: number) => fleet.check(i, i % 10 === 0); // each reports the firmware it was seeded with
      for (let i = from; i < from + 20; i++) await device(i); // warm-up
      let i = from;
      return closedLoop(() => device(from + (i++ % 20)), 1, 2_000 * Math.max(context.scale, 0.5));
    };
    const few = await latency(0);
    const many = await latency(20);
    return [
      {
        name: 'check, device with 10 past attempts',
        value: few.p50Ms * 1000,
        unit: 'µs',
        p50Ms: few.p50Ms,
        p99Ms: few.p99Ms,
      },
      {
        name: `check, device with ${long} past attempts`,
        value: many.p50Ms * 1000,
        unit: 'µs',
        p50Ms: many.p50Ms,
        p99Ms: many.p99Ms,
      },
      {
        name: `ratio ${long} / 10 attempts`,
        value: many.p50Ms / few.p50Ms,
        unit: 'x',
        ...goal('≤ 1.2', many.p50Ms / few.p50Ms <= 1.2),
      },
    ];
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
        value: small.p50 * 1000,
        unit: 'µs',
        p50Ms: small.p50,
        p99Ms: small.p99,
      },
      {
        name: 'placement, 1,000 facilities, diversity 5',
        value: large.p50 * 1000,
        unit: 'µs',
        p50Ms: large.p50,
        p99Ms: large.p99,
        ...goal('≤ 1 ms', large.p50 <= 1),
      },
    ];
    return figures;
  },
};
