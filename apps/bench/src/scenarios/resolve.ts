import { closedLoop, Figure, Scenario } from '../measure';
import { natsRequestReply } from './baseline';
import { freePort, waitUntilReady } from './batch-fleet';
import { startUpdateFleet } from './update-fleet';

/**
 * performance.md `resolve`: 100,000 devices, 1,000 deployments over 10 products, 256 checks in flight over NATS; 90%
 * of devices are up to date (read-only checks), 10% are offered an update (an attempt: one durable event).
 */
export const resolve: Scenario = {
  name: 'resolve',
  description: 'device checks/s over NATS, 256 in flight, vs raw NATS request/reply at 256 in flight',
  async run(context) {
    const devices = Math.max(1_000, Math.round(100_000 * context.scale));
    const fleet = await startUpdateFleet(context, { devices, products: 10, deploymentsPerProduct: 100 });
    try {
      context.progress('raw NATS request/reply (256 in flight)');
      const raw = await natsRequestReply(fleet.nc, context, 256);
      context.progress('device checks (256 in flight)');
      let offered = 0;
      const result = await closedLoop(
        async () => {
          const device = Math.floor(Math.random() * devices);
          if ((await fleet.check(device, device % 10 === 0)).update_available) offered++;
        },
        256,
        5_000 * context.scale,
      );
      const figures: Figure[] = [
        raw,
        {
          name: 'device checks (256 in flight)',
          value: result.perSecond,
          unit: 'checks/s',
          p50Ms: result.p50Ms,
          p99Ms: result.p99Ms,
          ratioTo: raw.name,
        },
        {
          name: 'ratio to raw request/reply (target ≥ 50%; p99 ≤ 20 ms)',
          value: (100 * result.perSecond) / raw.value,
          unit: '%',
        },
        { name: 'checks offered an update', value: (100 * offered) / result.count, unit: '%' },
      ];
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
      return [
        {
          name: `resolver RSS with ${devices} devices (target ≤ 1.5 GB at 1,000,000)`,
          value: (await fleet.rssBytes()) / 2 ** 20,
          unit: 'MiB',
        },
      ];
    } finally {
      await fleet.close();
    }
  },
};

/**
 * performance.md `resolve-http`: the same checks through the gateway's `GET /device/update`, against the gateway's
 * bare `GET /health/live` (same server stack, no NATS) in the same run, 64 in flight each.
 */
export const resolveHttp: Scenario = {
  name: 'resolve-http',
  description: 'GET /device/update through the gateway vs a bare endpoint of the same gateway, 64 in flight',
  async run(context) {
    const devices = Math.max(1_000, Math.round(100_000 * context.scale));
    const fleet = await startUpdateFleet(context, { devices, products: 10, deploymentsPerProduct: 100 });
    const port = await freePort();
    const gateway = await context.launch('admin-gateway', {
      NATS_URL: context.natsUrl,
      PORT: String(port),
      RPC_SUBJECT_PREFIX: fleet.rpcPrefix,
      FLOTILLA_ADMIN_TOKEN: `bench-${port}`,
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitUntilReady(`${base}/health/ready`);
      const get = async (url: string, headers: Record<string, string> = {}) => {
        const response = await fetch(url, { headers });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
      };
      context.progress('bare endpoint (64 in flight)');
      const bare = await closedLoop(() => get(`${base}/health/live`), 64, 3_000 * context.scale);
      context.progress('GET /device/update (64 in flight)');
      const checks = await closedLoop(
        async () => {
          const device = Math.floor(Math.random() * devices);
          await get(`${base}/device/update`, fleet.deviceHeaders(device, device % 10 === 0));
        },
        64,
        5_000 * context.scale,
      );
      return [
        {
          name: 'bare GET /health/live (64 in flight)',
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
          ratioTo: 'bare GET /health/live (64 in flight)',
        },
        {
          name: 'ratio to the bare endpoint (target ≥ 50%)',
          value: (100 * checks.perSecond) / bare.perSecond,
          unit: '%',
        },
      ];
    } finally {
      await gateway.stop();
      await fleet.close();
    }
  },
};
