import { planPlacement } from '@flotilla/batch-domain';
import { Figure, percentile, Scenario } from '../measure';

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

/** performance.md `history`, placement part: placement time for 10 vs 1,000 facilities (diversity 5). */
export const history: Scenario = {
  name: 'history',
  description: 'placement time with 10 vs 1,000 facilities at diversity 5 (target ≤ 1 ms at 1,000)',
  async run(context) {
    const runs = Math.max(200, Math.round(5_000 * context.scale));
    timePlacement(1_000, 200); // warm up the JIT
    const small = timePlacement(10, runs);
    const large = timePlacement(1_000, runs);
    const figures: Figure[] = [
      { name: 'placement, 10 facilities, diversity 5', value: small.p50 * 1000, unit: 'µs', p50Ms: small.p50, p99Ms: small.p99 },
      { name: 'placement, 1,000 facilities, diversity 5 (target ≤ 1 ms)', value: large.p50 * 1000, unit: 'µs', p50Ms: large.p50, p99Ms: large.p99 },
    ];
    return figures;
  },
};
