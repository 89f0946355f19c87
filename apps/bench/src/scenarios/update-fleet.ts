import { randomBytes } from 'node:crypto';
import { NatsConnection } from 'nats';
import { Client } from 'pg';
import {
  DefaultFailureRules,
  FailureRules,
  hashCredential,
  ResolveCheck,
  ResolveManyPart,
  resolveManyParts,
  takeAnswers,
  UpdateAggregates,
  UpdateAnswer,
  UpdateEvent,
  UpdateEventSchema,
  subjectOn,
  UpdateSubjects,
} from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import { busRequestParts, connectService, TurnBatch } from '@flotilla/nest-platform';
import { freeLoopbackPort, metricSamples } from '@flotilla/testing';
import { aggregateKey } from '@flotilla/update-domain';
import { ScenarioContext } from '../measure';
import { waitUntilReady } from './batch-fleet';

export const BENCH_ORG = '00000000-0000-4000-8000-00000000b00c';

export interface FleetShape {
  devices: number;
  products: number;
  deploymentsPerProduct: number;
  /**
   * Devices given this many past attempts, then a change to their product's old firmware: every check of one is
   * offered the update (an attempt).
   */
  historyDevices?: { attempts: number; count: number }[];
  /** The deployments' failure rules (NervesHub's defaults unless given). */
  rules?: FailureRules;
  /** The resolver's FLEET_SNAPSHOT_EVERY: by default none is taken (it would be taken while a scenario measures). */
  snapshotEvery?: number;
  /** The resolver's DEVICE_SNAPSHOT_EVERY, when a scenario depends on it (its default otherwise). */
  deviceSnapshotEvery?: number;
}

/** Firmware metadata of a product's current (1.0.0) and target (1.1.0) firmware. */
export function firmwareOf(product: number, target: boolean) {
  const uuid = `0b0b0b0b-${String(product).padStart(4, '0')}-4000-8000-00000000000${target ? 2 : 1}`;
  return {
    uuid,
    product: `product-${product}`,
    version: target ? '1.1.0' : '1.0.0',
    architecture: 'arm',
    platform: 'rpi4',
  };
}

/**
 * An update-resolver of the bench's own, over a log written straight into its stream: products, firmwares, active
 * deployments with tag and version conditions, and devices already on some firmware. Device i has credential
 * `device-<i>`, tag `group:<i % deploymentsPerProduct>`, product `i % products`.
 */
export async function startUpdateFleet(context: ScenarioContext, shape: FleetShape) {
  const id = randomBytes(4).toString('hex');
  const stream = `BENCH_UPD_${id.toUpperCase()}`;
  const subjectPrefix = `evt.bench_upd_${id}`;
  const nc = await connectService({ servers: context.natsUrl }, 'bench-update');
  const store = await EventStore.open(nc, { stream, subjectPrefix, ...UpdateEventSchema });
  const at = new Date().toISOString();
  const metadata = { actor: 'bench' };
  const append = (aggregate: string, key: string, events: UpdateEvent[]) =>
    store.append(store.subjectFor(aggregate, key), events, { expectedVersion: 0, metadata });

  const pending: Promise<unknown>[] = [];
  const enqueue = async (write: Promise<unknown>) => {
    pending.push(write);
    if (pending.length >= 256) await Promise.all(pending.splice(0));
  };
  for (let p = 0; p < shape.products; p++) {
    const product = `product-${p}`;
    await enqueue(
      append(UpdateAggregates.product, aggregateKey(BENCH_ORG, product), [
        { type: 'ProductCreated', data: { organizationId: BENCH_ORG, name: product, createdAt: at } },
      ]),
    );
    for (const target of [false, true]) {
      const fw = firmwareOf(p, target);
      await enqueue(
        append(UpdateAggregates.firmware, fw.uuid, [
          {
            type: 'FirmwareCreated',
            data: {
              ...fw,
              organizationId: BENCH_ORG,
              artifactUrl: `https://cdn.example.com/${fw.uuid}`,
              author: null,
              description: null,
              vcsIdentifier: null,
              misc: null,
              createdAt: at,
            },
          },
        ]),
      );
    }
    for (let d = 0; d < shape.deploymentsPerProduct; d++) {
      const deploymentId = aggregateKey(BENCH_ORG, product, `rollout-${d}`);
      const settings = {
        firmwareUuid: firmwareOf(p, true).uuid,
        conditions: { tags: [`group:${d}`], version: '~> 1.0' },
        rules: shape.rules ?? DefaultFailureRules,
      };
      await enqueue(
        append(UpdateAggregates.deployment, deploymentId, [
          {
            type: 'DeploymentCreated',
            data: {
              deploymentId,
              organizationId: BENCH_ORG,
              product,
              name: `rollout-${d}`,
              ...settings,
              isActive: false,
              createdAt: at,
            },
          },
          { type: 'DeploymentUpdated', data: { deploymentId, ...settings, isActive: true, updatedAt: at } },
        ]),
      );
    }
  }
  await Promise.all(pending.splice(0));
  context.progress(`seeding ${shape.devices} devices`);
  const history = (shape.historyDevices ?? []).flatMap(({ attempts, count }) => Array<number>(count).fill(attempts));
  const seedDevice = async (i: number) => {
    const identifier = `device-${i}`;
    const product = i % shape.products;
    const registered: UpdateEvent = {
      type: 'DeviceRegistered',
      data: {
        identifier,
        organizationId: BENCH_ORG,
        product: `product-${product}`,
        tags: [`group:${i % shape.deploymentsPerProduct}`],
        credentialHash: hashCredential(identifier),
        source: 'admin',
        registeredAt: at,
      },
    };
    const deploymentId = aggregateKey(BENCH_ORG, `product-${product}`, `rollout-${i % shape.deploymentsPerProduct}`);
    const attempt: UpdateEvent = {
      type: 'UpdateRequested',
      data: { identifier, organizationId: BENCH_ORG, deploymentId, firmwareUuid: firmwareOf(product, true).uuid, at },
    };
    // Every tenth device, and every one with a history, is on its product's old firmware (it will be offered the new
    // one); the rest are up to date.
    const past = history[i] ?? 0;
    const firmware: UpdateEvent = {
      type: 'DeviceFirmwareChanged',
      data: {
        identifier,
        organizationId: BENCH_ORG,
        from: null,
        to: firmwareOf(product, past === 0 && i % 10 !== 0),
        at: new Date(Date.now() + 1).toISOString(),
      },
    };
    // A device without a history is one commit; past attempts are a commit each, as checks would have made them.
    const commits = past
      ? [[registered], ...Array.from({ length: past }, () => [attempt]), [firmware]]
      : [[registered, firmware]];
    const subject = store.subjectFor(UpdateAggregates.device, aggregateKey(BENCH_ORG, identifier));
    let version = 0;
    for (const events of commits)
      version = (await store.append(subject, events, { expectedVersion: version, metadata })).commit.streamSeq;
  };
  /** Seeds devices `from` up to `to` (not included), 256 at a time. */
  const seedDevices = async (from: number, to: number) => {
    let next = from;
    await Promise.all(
      Array.from({ length: 256 }, async () => {
        while (next < to) {
          const i = next++;
          await seedDevice(i);
          if (i % 50_000 === 49_999) context.progress(`  ${i + 1} devices`);
        }
      }),
    );
  };
  await seedDevices(0, shape.devices);
  const schema = `bench_upd_${id}`;
  const healthPort = await freeLoopbackPort();
  const launchResolver = () =>
    context.launch('update-resolver', {
      NATS_URL: context.natsUrl,
      DATABASE_URL: context.databaseUrl,
      UPDATE_STREAM: stream,
      UPDATE_SUBJECT_PREFIX: subjectPrefix,
      UPDATE_DB_SCHEMA: schema,
      BATCH_STREAM: `${stream}_BATCH`,
      BATCH_SUBJECT_PREFIX: `${subjectPrefix}_batch`,
      HEALTH_PORT: String(healthPort),
      RPC_SUBJECT_PREFIX: `bench.${id}`,
      FLEET_SNAPSHOT_EVERY: String(shape.snapshotEvery ?? 1e9),
      ...(shape.deviceSnapshotEvery ? { DEVICE_SNAPSHOT_EVERY: String(shape.deviceSnapshotEvery) } : {}),
      // A scenario's end stops the resolver: writing a million devices down then would only cost the run time.
      FLEET_SNAPSHOT_AT_STOP: String(1e9),
    });
  const ready = `http://127.0.0.1:${healthPort}/health/ready`;
  // Readiness lets a read model lag by up to 10,000 commits (a whole tail): a restart is measured from an instance
  // that had applied everything, or its successor would be timed catching up on what it left.
  const everyConsumerCaughtUp = (body: unknown) => {
    const { status, details } = body as { status: string; details?: { consumers?: { detail?: object } } };
    const reports = Object.values(details?.consumers?.detail ?? {}) as { lag: number | null }[];
    return status === 'ok' && reports.length > 0 && reports.every((r) => r.lag === 0);
  };
  const settled = () => waitUntilReady(ready, 1_200_000, everyConsumerCaughtUp);
  const started = performance.now();
  let service = await launchResolver();
  context.progress('resolver replaying the log');
  // The resolver takes checks once its fleet view holds the whole log; checks need nothing else (its Postgres read
  // model, which readiness also waits for, may still be catching up on a big fleet).
  await waitUntilReady(
    ready,
    1_200_000,
    (body) => (body as { details?: { serving?: { status: string } } }).details?.serving?.status === 'up',
  );
  const firstStartMs = performance.now() - started;

  const prefix = `bench.${id}`;
  // Checks go as the gateway sends them: those of one turn in one request, answered in parts.
  const checks = new TurnBatch<ResolveCheck, UpdateAnswer>(
    (items, answer) =>
      busRequestParts<ResolveManyPart>(
        nc,
        subjectOn(prefix, UpdateSubjects.resolveMany),
        { checks: items },
        { principal: { kind: 'root', actor: 'bench' }, key: context.busKey },
        (reply) => {
          if (!reply.ok) throw new Error(JSON.stringify(reply.error));
          return takeAnswers(reply.data, answer);
        },
      ),
    resolveManyParts,
  );
  const check = async (device: number, reportCurrent: boolean): Promise<UpdateAnswer> => {
    const fw = firmwareOf(device % shape.products, !reportCurrent);
    const reply = await checks.add({
      credentialHash: hashCredential(`device-${device}`),
      headers: fw,
      preflight: false,
    });
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    return reply.data;
  };

  /**
   * The next device to check in the spec's mix: one in ten is a device still on its old firmware that has not been
   * offered the update yet (it is, once: one attempt); the rest are devices already up to date (read-only). A device
   * offered an update is not checked again, as it would report its new firmware from then on.
   */
  let nextOld = 0;
  const nextCheck = (): { device: number; old: boolean } => {
    if (Math.random() < 0.1 && nextOld * 10 < shape.devices) return { device: 10 * nextOld++, old: true };
    let device: number;
    do device = Math.floor(Math.random() * shape.devices);
    while (device % 10 === 0);
    return { device, old: false };
  };

  /** The headers a device sends: the firmware it runs. */
  const deviceHeaders = (device: number, reportCurrent: boolean) => {
    const fw = firmwareOf(device % shape.products, !reportCurrent);
    return {
      authorization: `Bearer device-${device}`,
      'x-peridio-uuid': fw.uuid,
      'x-peridio-product': fw.product,
      'x-peridio-version': fw.version,
      'x-peridio-architecture': fw.architecture,
      'x-peridio-platform': fw.platform,
    };
  };

  /** A gauge of the resolver's /metrics (its first sample). */
  const metric = async (name: string) =>
    (await metricSamples(`http://127.0.0.1:${healthPort}/metrics`, name))[0]?.value ?? NaN;

  return {
    nc: nc as NatsConnection,
    stream,
    subjectPrefix,
    schema,
    /** Until the resolver is ready and every consumer has applied the whole log: nothing seeded is left to apply. */
    settled,
    /** Time from launching the resolver to its first readiness to serve (it read the whole log). */
    firstStartMs,
    seedDevices,
    /**
     * Once the resolver is ready (every consumer caught up), kills it and starts it again; resolves with the time from
     * launch to ready. Killed, as a crash would: told to stop, it would write its view down first and leave no tail.
     */
    async restart(): Promise<number> {
      await settled();
      await service.stop('SIGKILL');
      const launched = performance.now();
      service = await launchResolver();
      await waitUntilReady(ready, 1_200_000, undefined, 20); // polled often: the time is the figure
      return performance.now() - launched;
    },
    /** The resolver's health and metrics port. */
    healthPort,
    /** The subject prefix the resolver answers on: a gateway in front of it is started with it. */
    rpcPrefix: prefix,
    check,
    nextCheck,
    deviceHeaders,
    metric,
    async close() {
      await service.stop();
      const jsm = await nc.jetstreamManager();
      for (const name of [stream, `${stream}_BATCH`]) await jsm.streams.delete(name).catch(() => undefined);
      await nc.close();
      const pg = new Client({ connectionString: context.databaseUrl });
      await pg.connect();
      await pg.query(`drop schema if exists "${schema}" cascade`);
      await pg.end();
    },
  };
}
