import { BatchSubjects, CatalogSubjects } from '@flotilla/contracts';
import { Figure, goal, latencyPercentiles, Scenario } from '../measure';
import { rawJetStreamToPostgres } from './baseline';
import { capacityViolations, startBatchFleet, watchBatchOutcomes } from './batch-fleet';

const PLAN = 'bench.plan';
/** The plan the warm-up's batches run on: its capacity is its own, so the measured run starts as it would have. */
const WARM_UP_PLAN = 'bench.warm_up';
const operatingSystemOf = (plan: string) => `${plan}.os`;

/** A deterministic pseudo-random sequence, so two runs submit the same items. */
function seeded(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** A batch item as the scenario submits it: a random facility list (with `any` half the time), 1–20 servers. */
function randomItems(count: number, plan: string, facilities: string[], random: () => number) {
  return Array.from({ length: count }, () => {
    const list = facilities.filter(() => random() < 0.06);
    if (random() < 0.5) list.splice(Math.floor(random() * (list.length + 1)), 0, 'any');
    return {
      plan,
      operating_system: operatingSystemOf(plan),
      facility: list.length ? list : 'any',
      quantity: 1 + Math.floor(random() * 20),
      ...(random() < 0.7 ? { facility_diversity_level: 1 + Math.floor(random() * 3) } : {}),
    };
  });
}

/**
 * performance.md `placement`: 50 facilities, 2,000 items (1–20 servers, lists with `any`, diversity 1–3), 64 at a time.
 * Measured once the orchestrator is warm: a fresh process first runs the same kind of batches on a plan of its own
 * (V8 compiles the hot paths, the pools fill), and how long its first 64 took is reported beside, with no target.
 */
export const placement: Scenario = {
  name: 'placement',
  description: 'servers/s placed from request to terminal state, 64 in flight, vs raw JetStream → Postgres events/s',
  async run(context) {
    context.progress('raw JetStream → Postgres');
    const raw = await rawJetStreamToPostgres(context);
    const fleet = await startBatchFleet(context);
    try {
      const facilities = Array.from({ length: 50 }, (_, i) => `fac${String(i).padStart(2, '0')}`);
      const random = seeded(42);
      for (const plan of [PLAN, WARM_UP_PLAN]) {
        await fleet.request(CatalogSubjects.definePlan, { slug: plan, name: plan, architecture: 'x86_64' });
        await fleet.request(CatalogSubjects.defineOperatingSystem, {
          slug: operatingSystemOf(plan),
          name: plan,
          provisionable_on: [plan],
        });
      }
      for (const code of facilities) {
        await fleet.request(CatalogSubjects.defineFacility, { code, name: code });
        await fleet.request(CatalogSubjects.setCapacity, {
          facility: code,
          plan: PLAN,
          total: 50 + Math.floor(random() * 350),
        });
        await fleet.request(CatalogSubjects.setCapacity, { facility: code, plan: WARM_UP_PLAN, total: 100 });
      }
      const count = Math.max(64, Math.round(2_000 * context.scale));
      const items = randomItems(count, PLAN, facilities, random);
      const warmUpItems = randomItems(
        Math.max(64, Math.round(320 * context.scale)),
        WARM_UP_PLAN,
        facilities,
        seeded(7),
      );

      type Outcome = { state: 'completed' | 'failed'; at: number };
      const waiting = new Map<string, (outcome: Outcome) => void>();
      const early = new Map<string, Outcome>();
      const stopWatching = watchBatchOutcomes(fleet, (batchId, state, at) => {
        const resolve = waiting.get(batchId);
        if (resolve) resolve({ state, at });
        else early.set(batchId, { state, at });
      });
      /** Submits every item, 64 in flight, each waited for until terminal; latencies in submission order. */
      const submit = async (batchItems: typeof items) => {
        const latencies: number[] = [];
        let servers = 0;
        let next = 0;
        const start = performance.now();
        await Promise.all(
          Array.from({ length: 64 }, async () => {
            while (next < batchItems.length) {
              const index = next++;
              const item = batchItems[index];
              const t0 = performance.now();
              const { batches } = await fleet.request<{ batches: { id: string }[] }>(BatchSubjects.createBatches, {
                projectId: fleet.projectId,
                batches: [item],
              });
              const id = batches[0].id;
              const done = early.get(id) ?? (await new Promise<Outcome>((resolve) => waiting.set(id, resolve)));
              latencies[index] = done.at - t0;
              if (done.state === 'completed') servers += item.quantity;
            }
          }),
        );
        return { latencies, servers, seconds: (performance.now() - start) / 1000 };
      };
      context.progress(`warming the orchestrator up: ${warmUpItems.length} batch items on a plan of their own`);
      const coldCohort = (await submit(warmUpItems)).latencies.slice(0, 64);
      context.progress(`submitting ${count} batch items, 64 in flight`);
      const { latencies, servers, seconds } = await submit(items);
      stopWatching();
      const { p50Ms, p99Ms } = latencyPercentiles(latencies);
      const violations = await capacityViolations(context, fleet.schema);
      const ratio = (100 * servers) / seconds / raw.value;
      const figures: Figure[] = [
        raw,
        {
          name: 'batches to a terminal state (64 in flight)',
          value: count / seconds,
          unit: 'batches/s',
          p50Ms,
          p99Ms,
          ...goal('p99 request → terminal ≤ 250 ms', p99Ms <= 250),
        },
        { name: 'servers placed (64 in flight)', value: servers / seconds, unit: 'servers/s', ratioTo: raw.name },
        {
          name: 'servers/s to raw JetStream → Postgres events/s',
          value: ratio,
          unit: '%',
          ...goal('≥ 40% of the raw JetStream → Postgres events/s of the same run', ratio >= 40),
        },
        { name: 'capacity violations', value: violations, unit: 'servers', ...goal('0', violations === 0) },
        {
          name: 'first 64 batches of a fresh orchestrator (warm-up)',
          value: coldCohort.length,
          unit: 'batches',
          ...latencyPercentiles(coldCohort),
        },
      ];
      return figures;
    } finally {
      await fleet.close();
    }
  },
};
