import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { EVENT_LOOP_SAMPLING_MS } from '@flotilla/nest-platform';
import { endsWithThisProcess, freeLoopbackPort } from '@flotilla/testing';
import { closedLoop, Figure, goal, latencyPercentiles, Scenario } from '../measure';
import { natsRequestReply } from './baseline';
import { waitUntilReady } from './batch-fleet';
import { startUpdateFleet } from './update-fleet';

/** prom-client's event-loop lag p99 since /metrics was last read: its sampling interval, plus the delay. */
const LOOP_DELAY_P99 = 'nodejs_eventloop_lag_p99_seconds';

/**
 * performance.md `resolve`: 100,000 devices, 1,000 deployments over 10 products; checks over NATS at 256 and at 64 in
 * flight against raw NATS request/reply at the same concurrency; 90% of devices are up to date (read-only checks),
 * 10% are offered an update (an attempt: one durable event). Checks are sent as the gateway sends them: those of one
 * turn together (`resolveMany`), each timed from its own start to its own answer. The resolver's event-loop delay p99
 * is reported beside.
 */
export const resolve: Scenario = {
  name: 'resolve',
  description: 'device checks/s over NATS at 256 and 64 in flight vs raw NATS request/reply at the same concurrency',
  async run(context) {
    const devices = Math.max(1_000, Math.round(100_000 * context.scale));
    const fleet = await startUpdateFleet(context, { devices, products: 10, deploymentsPerProduct: 100 });
    try {
      // Measured with the resolver settled: its read model has applied every device just seeded (readiness alone would
      // let it still be catching up on up to 10,000 commits during the first phase, on the same two cores).
      await fleet.settled();
      const figures: Figure[] = [];
      let offered = 0;
      let checked = 0;
      for (const concurrency of [256, 64]) {
        context.progress(`raw NATS request/reply (${concurrency} in flight)`);
        const raw = await natsRequestReply(fleet.nc, context, concurrency);
        context.progress(`device checks (${concurrency} in flight)`);
        await fleet.metric(LOOP_DELAY_P99); // read to start it afresh: each read of /metrics resets it
        const latencies = { offered: [] as number[], current: [] as number[] };
        const result = await closedLoop(
          async () => {
            const { device, old } = fleet.nextCheck();
            const t0 = performance.now();
            if ((await fleet.check(device, old)).update_available) offered++;
            (old ? latencies.offered : latencies.current).push(performance.now() - t0);
            checked++;
          },
          concurrency,
          5_000 * context.scale,
          // One device in ten is on old firmware and is offered the update once: half of them per phase keeps the
          // mix at 10% however fast the checks go.
          devices / 2,
        );
        const ratio = (100 * result.perSecond) / raw.value;
        const tail = result.p99Ms / raw.p99Ms!;
        figures.push(
          raw,
          {
            name: `device checks (${concurrency} in flight)`,
            value: result.perSecond,
            unit: 'checks/s',
            p50Ms: result.p50Ms,
            p99Ms: result.p99Ms,
            ratioTo: raw.name,
            ...(concurrency === 64 ? goal('p99 ≤ 20 ms at 64 in flight', result.p99Ms <= 20) : {}),
          },
          {
            name: `checks/s to raw request/reply (${concurrency} in flight)`,
            value: ratio,
            unit: '%',
            ...goal('≥ 50% of raw request/reply at the same concurrency', ratio >= 50),
          },
          {
            name: `p99 to raw p99 (${concurrency} in flight)`,
            value: tail,
            unit: 'x',
            ...goal('≤ 1.5x the raw p99 at the same concurrency', tail <= 1.5),
          },
          {
            name: `resolver event-loop delay p99 (${concurrency} in flight)`,
            value: (await fleet.metric(LOOP_DELAY_P99)) * 1000 - EVENT_LOOP_SAMPLING_MS,
            unit: 'ms',
          },
          // Where the tail comes from: the checks that write (an attempt) and the read-only ones, apart.
          ...Object.entries(latencies).map(([kind, ms]): Figure => {
            const name = kind === 'offered' ? 'checks offered an update, each an append' : 'up-to-date checks';
            return {
              name: `${name} (${concurrency} in flight)`,
              value: ms.length,
              unit: 'checks',
              ...latencyPercentiles(ms),
            };
          }),
        );
      }
      const share = (100 * offered) / checked;
      figures.push({
        name: 'checks offered an update',
        value: share,
        unit: '%',
        ...goal("about 10%, the spec's mix (between 8% and 12%)", share >= 8 && share <= 12),
      });
      return figures;
    } finally {
      await fleet.close();
    }
  },
};

/** performance.md `memory`: resolver RSS with 1,000,000 registered devices. */
export const memory: Scenario = {
  name: 'memory',
  description: 'update-resolver resident memory with 1,000,000 registered devices (target ≤ 1.5 GB)',
  async run(context) {
    const devices = Math.max(1_000, Math.round(1_000_000 * context.scale));
    const fleet = await startUpdateFleet(context, { devices, products: 10, deploymentsPerProduct: 100 });
    try {
      const mib = (await fleet.metric('process_resident_memory_bytes')) / 2 ** 20;
      return [
        { name: `resolver RSS with ${devices} devices`, value: mib, unit: 'MiB', ...goal('≤ 1.5 GB', mib <= 1536) },
      ];
    } finally {
      await fleet.close();
    }
  },
};

/** A raw `node:http` server answering a fixed JSON body, in a process of its own as the gateway is. */
async function startRawHttpServer() {
  const body = JSON.stringify({ data: { update_available: false, firmware_url: null, firmware_meta: null } });
  const server = `require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'application/json' }).end(${JSON.stringify(body)}); }).listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });`;
  const child = endsWithThisProcess(spawn(process.execPath, ['-e', server], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  return { process: child, port: Number(String(chunk).trim()) };
}

/**
 * performance.md `resolve-http`: the same checks through the gateway's `GET /device/update`, 64 in flight, against a
 * raw `node:http` server answering a fixed JSON body, driven by the same client in the same run.
 */
export const resolveHttp: Scenario = {
  name: 'resolve-http',
  description: 'GET /device/update through the gateway vs a raw node:http server, 64 in flight, same client',
  async run(context) {
    const devices = Math.max(1_000, Math.round(100_000 * context.scale));
    const fleet = await startUpdateFleet(context, { devices, products: 10, deploymentsPerProduct: 100 });
    const port = await freeLoopbackPort();
    const gateway = await context.launch('admin-gateway', {
      NATS_URL: context.natsUrl,
      PORT: String(port),
      RPC_SUBJECT_PREFIX: fleet.rpcPrefix,
      FLOTILLA_ADMIN_TOKEN: `bench-${port}`,
      LOG_LEVEL: 'warn',
    });
    const raw = await startRawHttpServer();
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitUntilReady(`${base}/health/ready`);
      // Both measured with the resolver settled: its read model has applied every device just seeded.
      await fleet.settled();
      const get = async (url: string, headers: Record<string, string> = {}) => {
        const response = await fetch(url, { headers });
        const body = await response.text();
        if (response.status !== 200) throw new Error(`${url}: ${response.status} ${body}`);
      };
      context.progress('raw node:http server (64 in flight)');
      const rawUrl = `http://127.0.0.1:${raw.port}/device/update`;
      const bare = await closedLoop(() => get(rawUrl), 64, 3_000 * context.scale);
      context.progress('GET /device/update (64 in flight)');
      const checks = await closedLoop(
        async () => {
          const { device, old } = fleet.nextCheck();
          await get(`${base}/device/update`, fleet.deviceHeaders(device, old));
        },
        64,
        5_000 * context.scale,
      );
      const ratio = (100 * checks.perSecond) / bare.perSecond;
      return [
        {
          name: 'raw node:http server (64 in flight)',
          value: bare.perSecond,
          unit: 'req/s',
          p50Ms: bare.p50Ms,
          p99Ms: bare.p99Ms,
        },
        {
          name: 'GET /device/update (64 in flight)',
          value: checks.perSecond,
          unit: 'checks/s',
          p50Ms: checks.p50Ms,
          p99Ms: checks.p99Ms,
          ratioTo: 'raw node:http server (64 in flight)',
        },
        {
          name: 'checks/s to the raw node:http server',
          value: ratio,
          unit: '%',
          ...goal('≥ 50% of a raw node:http server, same client, same run', ratio >= 50),
        },
      ];
    } finally {
      raw.process.kill();
      await gateway.stop();
      await fleet.close();
    }
  },
};
