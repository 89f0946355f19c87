/** One measured figure of a scenario; `ratioTo` names the raw figure of the same run it is compared with. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  p50Ms?: number;
  p99Ms?: number;
  ratioTo?: string;
  /** The target performance.md sets for this figure, in its words, and whether this run met it. */
  target?: string;
  met?: boolean;
}

/** A figure's target and whether it was met. */
export const goal = (target: string, met: boolean) => ({ target, met });

export interface ScenarioContext {
  natsUrl: string;
  databaseUrl: string;
  /** Multiplies every scenario's size: 1 for a real run, small for the smoke test. */
  scale: number;
  progress(message: string): void;
  /** Signs the bench's requests; the services it launches are started with it (FLOTILLA_BUS_KEY). */
  busKey: string;
  /** Starts one of the services as its own process with this environment (built, or from source in tests). */
  launch(
    app: 'batch-orchestrator' | 'update-resolver' | 'admin-gateway',
    env: Record<string, string>,
  ): Promise<{ stop(signal?: NodeJS.Signals): Promise<void> }>;
  /** Runs the operators' CLI with these arguments and environment to its end (its stderr, a progress bar, shows). */
  cli(args: string[], env: Record<string, string>): Promise<void>;
}

export interface Scenario {
  name: string;
  description: string;
  run(context: ScenarioContext): Promise<Figure[]>;
}

function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return 0;
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor((p / 100) * sortedMs.length))];
}

/** The p50 and p99 of latency samples (sorted in place). */
export function latencyPercentiles(samplesMs: number[]): { p50Ms: number; p99Ms: number } {
  samplesMs.sort((a, b) => a - b);
  return { p50Ms: percentile(samplesMs, 50), p99Ms: percentile(samplesMs, 99) };
}

/**
 * Runs `operation` with `concurrency` in flight for `durationMs`, or until it has started `maxOperations`; returns
 * operations/s and latency percentiles.
 */
export async function closedLoop(
  operation: () => Promise<unknown>,
  concurrency: number,
  durationMs: number,
  maxOperations = Infinity,
) {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + durationMs;
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end && started++ < maxOperations) {
        const t0 = performance.now();
        await operation();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { perSecond: latencies.length / elapsed, ...latencyPercentiles(latencies), count: latencies.length };
}
