import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { seeded, startLocalNats, startLocalNatsCluster, startLocalPostgres } from '@flotilla/testing';
import { askAgain } from './ask-again';
import { ChaosContext, ChaosSystem, Instance, startChaosSystem, SystemShape } from './chaos-system';
import {
  awaitTerminal,
  batchLoad,
  checkLoad,
  createTenant,
  firmwareFleet,
  newTally,
  RequestTally,
  undeleted,
} from './load';
import { judge, Verdict } from './verdict';

export interface Scenario {
  name: string;
  description: string;
  run(context: ChaosContext): Promise<Verdict>;
}

/**
 * The load every scenario runs its fault under (the sizes at scale 1): batch requests all in flight at once,
 * and devices checking in, 50 at a time, often enough that each is quarantined by its own failure rules.
 */
async function underLoad(
  context: ChaosContext,
  system: ChaosSystem,
  fault: (requests: RequestTally) => Promise<string[]>,
  options: { seed: number; faultMs: number; expectParkedAtLeast?: number; expectUnfelt?: boolean },
) {
  const requests = newTally();
  const tenant = await createTenant(system, requests);
  const fleet = await firmwareFleet(system, tenant, Math.max(4, Math.round(20 * context.scale)), requests);
  const items = Math.max(10, Math.round(200 * context.scale));
  const checks = {
    checks: Math.max(20, Math.round(400 * context.scale)),
    concurrency: Math.max(5, Math.round(50 * context.scale)),
  };
  context.progress(
    `  ${items} batches and ${checks.checks} device checks (${checks.concurrency} at a time) spread over the fault`,
  );
  const [{ acknowledged, deletedBatches, deleted }, , notes] = await Promise.all([
    batchLoad(
      system,
      tenant,
      {
        items,
        concurrency: items,
        spreadMs: options.faultMs,
        seed: options.seed,
        deadlineMs: 240_000,
        deleteEvery: 4,
        deleteBatchEvery: 10,
      },
      requests,
    ),
    checkLoad(
      system,
      fleet,
      { ...checks, spreadMs: options.faultMs, seed: options.seed + 1, deadlineMs: 240_000 },
      requests,
    ),
    fault(requests),
  ]);
  context.progress('  waiting for every batch to end and every consumer to catch up');
  const states = await awaitTerminal(system, tenant, acknowledged, requests);
  for (const id of await undeleted(system, tenant, deletedBatches, requests)) states.set(id, 'lost');
  notes.push(
    `${deleted} devices deleted (their servers given back) and ${deletedBatches.length} batches deleted as soon as ` +
      'acknowledged (every other one with its instances) while the fault went on; one batch in five given a ' +
      'termination time within it, one in nine locked',
  );
  for (const [id, state] of states) if (state === 'unfinished') notes.push(`batch ${id} not over in time`);
  const { expectParkedAtLeast, expectUnfelt } = options;
  return judge(system.id, system, { requests, states, notes, expectParkedAtLeast, expectUnfelt });
}

/**
 * Runs a fault whose clients may not notice it (a rolling deploy) and notes how many requests were sent meanwhile: one
 * that no request met would show nothing.
 */
async function metByRequests(requests: RequestTally, fault: () => Promise<string[]>): Promise<string[]> {
  const before = requests.sent;
  const notes = await fault();
  const sent = requests.sent - before;
  if (!sent) throw new Error('no request was sent while the fault went on');
  return [...notes, `${sent} requests sent while it went on`];
}

/**
 * A server restarted after each of `pausesMs`, `downMs` down each time, and how long a load must be spread to span
 * it (at least 4 s).
 */
function restartsOf(server: { restart(downMs: number): Promise<void> }, pausesMs: number[], downMs: number) {
  return {
    faultMs: Math.max(
      4_000,
      pausesMs.reduce((sum, pause) => sum + pause + downMs, 0),
    ),
    async run(): Promise<void> {
      for (const pause of pausesMs) {
        await sleep(pause);
        await server.restart(downMs);
      }
    },
  };
}

/**
 * Writes each service's output (its last 200 KB) into `dir`; says where, and what each last warned of (a run in CI
 * leaves only what it prints).
 */
function keepOutputs(dir: string, scenario: string, system: ChaosSystem): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const notes = [`the services' output is in ${dir}/${scenario}-${system.id}-*.log`];
  for (const { app, port, process } of system.instances) {
    const output = process.output();
    fs.writeFileSync(path.join(dir, `${scenario}-${system.id}-${app}-${port}.log`), output);
    const troubles = output.split('\n').filter((line) => /"level":"(warn|error)"/.test(line));
    for (const line of troubles.slice(-3)) notes.push(`${app} :${port} last warned: ${line.slice(0, 400)}`);
  }
  return notes;
}

async function withSystem(
  context: ChaosContext,
  shape: SystemShape,
  body: (system: ChaosSystem) => Promise<Verdict>,
  name: string,
): Promise<Verdict> {
  const system = await startChaosSystem(context, shape);
  try {
    const verdict = { ...(await body(system)), scenario: name };
    if (!verdict.held && context.logDir) verdict.notes.push(...keepOutputs(context.logDir, name, system));
    return verdict;
  } finally {
    await system.close();
  }
}

const postgresRestart: Scenario = {
  name: 'postgres-restart',
  description: 'Postgres (a server of its own) restarted three times under load',
  async run(context) {
    const downMs = context.downMs ?? 600;
    const postgres = await startLocalPostgres();
    const restarts = restartsOf(postgres, [400, 700, 1_000], downMs);
    try {
      return await withSystem(
        context,
        { natsUrl: context.natsUrl, databaseUrl: postgres.url },
        (system) =>
          underLoad(
            context,
            system,
            async () => {
              await restarts.run();
              return [`Postgres restarted 3 times, ${downMs} ms down each`];
            },
            { seed: 11, faultMs: restarts.faultMs },
          ),
        'postgres-restart',
      );
    } finally {
      await postgres.destroy();
    }
  },
};

const natsRestart: Scenario = {
  name: 'nats-restart',
  description: 'NATS (a server of its own, its store kept) restarted twice under load',
  async run(context) {
    const downMs = context.downMs ?? 1_000;
    const nats = await startLocalNats();
    const restarts = restartsOf(nats, [500, 1_000], downMs);
    try {
      return await withSystem(
        context,
        { natsUrl: nats.url, databaseUrl: context.databaseUrl },
        (system) =>
          underLoad(
            context,
            system,
            async () => {
              await restarts.run();
              return [`NATS restarted twice, ${downMs} ms down each`];
            },
            { seed: 13, faultMs: restarts.faultMs },
          ),
        'nats-restart',
      );
    } finally {
      await nats.destroy();
    }
  },
};

/**
 * How long a pause lasts: 35 s at full size; at any size twice the gateway's 10 s wait for an answer, since only a
 * request that meets the pause in its first (pause − 10 s) is answered 503 rather than late, and the clients must see
 * it (at smoke size a 12 s pause was seen by one to three requests).
 */
function pauseMsOf(context: ChaosContext): number {
  return context.downMs ?? Math.max(20_000, Math.round(35_000 * context.scale));
}

/**
 * A server of its own paused (SIGSTOP, its connections left open) twice under load, each time for longer than the
 * gateway waits for an answer, so that clients see it; at full size, longer than the services' NATS pings take to
 * find a connection stale.
 */
function serverFreeze(name: string, description: string, what: 'Postgres' | 'NATS', seed: number): Scenario {
  return {
    name,
    description,
    async run(context) {
      const pauseMs = pauseMsOf(context);
      const server = what === 'Postgres' ? await startLocalPostgres() : await startLocalNats();
      const urls =
        what === 'Postgres'
          ? { natsUrl: context.natsUrl, databaseUrl: server.url }
          : { natsUrl: server.url, databaseUrl: context.databaseUrl };
      try {
        return await withSystem(
          context,
          urls,
          (system) =>
            underLoad(
              context,
              system,
              async () => {
                for (const pause of [500, 1_000]) {
                  await sleep(pause);
                  await server.freeze(pauseMs);
                }
                return [`${what} paused (SIGSTOP) twice, ${pauseMs} ms each`];
              },
              { seed, faultMs: 2 * pauseMs + 1_500 },
            ),
          name,
        );
      } finally {
        await server.destroy();
      }
    },
  };
}

const postgresFreeze = serverFreeze(
  'postgres-freeze',
  'Postgres (a server of its own, every backend) paused twice under load, its connections left open',
  'Postgres',
  41,
);

const natsFreeze = serverFreeze(
  'nats-freeze',
  'NATS (a server of its own) paused twice under load, its connections left open',
  'NATS',
  43,
);

/** Two orchestrators and two resolvers (and `gateways` gateways, 1 unless given) under load while `fault` hits them. */
function withTwoOfEach(
  context: ChaosContext,
  name: string,
  fault: (system: ChaosSystem, requests: RequestTally) => Promise<string[]>,
  options: { seed: number; faultMs: number; expectUnfelt?: boolean; gateways?: number },
): Promise<Verdict> {
  const { natsUrl, databaseUrl } = context;
  return withSystem(
    context,
    { natsUrl, databaseUrl, orchestrators: 2, resolvers: 2, gateways: options.gateways },
    (system) => underLoad(context, system, (requests) => fault(system, requests), options),
    name,
  );
}

const sigkill: Scenario = {
  name: 'sigkill',
  description: 'each service SIGKILLed at random moments under load (two orchestrators, two resolvers, a gateway)',
  async run(context) {
    const kills = Math.max(3, Math.round(9 * context.scale));
    return withTwoOfEach(
      context,
      'sigkill',
      async (system) => {
        const random = seeded(17);
        const notes: string[] = [];
        const apps = ['admin-gateway', 'batch-orchestrator', 'update-resolver'] as const;
        for (let k = 0; k < kills; k++) {
          await sleep(200 + random() * 800);
          const candidates = system.instances.filter((i) => i.app === apps[k % apps.length]);
          const victim: Instance = candidates[Math.floor(random() * candidates.length)];
          await victim.kill();
          notes.push(`SIGKILL ${victim.app} :${victim.port}`);
          await victim.start();
        }
        return notes;
      },
      { seed: 19, faultMs: 4_000 * kills },
    );
  },
};

const freeze: Scenario = {
  name: 'freeze',
  description:
    'orchestrators and resolvers paused (SIGSTOP) in turn under load, longer than Postgres keeps a transaction idle ' +
    '(two of each)',
  async run(context) {
    // At full size past the 30 s after which Postgres ends a session idle in its transaction, releasing its locks.
    const pauseMs = pauseMsOf(context);
    const pauses = Math.max(2, Math.round(4 * context.scale));
    return withTwoOfEach(
      context,
      'freeze',
      async (system) => {
        const notes: string[] = [];
        const apps = ['batch-orchestrator', 'update-resolver'] as const;
        for (let p = 0; p < pauses; p++) {
          await sleep(500);
          const victim = system.instances.filter((i) => i.app === apps[p % 2])[Math.floor(p / 2) % 2];
          await victim.freeze(pauseMs);
          notes.push(`SIGSTOP ${victim.app} :${victim.port} for ${pauseMs} ms`);
        }
        return notes;
      },
      { seed: 23, faultMs: pauses * (pauseMs + 500) },
    );
  },
};

const postgresLost: Scenario = {
  name: 'postgres-lost',
  description:
    "the services' database replaced by an empty one under load (two of each), then migrated by restarting one " +
    'instance of each (as the migration Job or MIGRATE_ON_START does); the others catch their read models up alone',
  async run(context) {
    return withTwoOfEach(
      context,
      'postgres-lost',
      async (system) => {
        await sleep(1_500);
        await system.replaceDatabase();
        const notes = ['the database dropped, its connections cut, and created again empty'];
        // Long enough for requests and consumers to meet a database without its tables.
        await sleep(2_000);
        for (const app of ['batch-orchestrator', 'update-resolver'] as const) {
          const victim = system.instances.find((i) => i.app === app) as Instance;
          await victim.stop();
          await victim.start();
          notes.push(`${app} :${victim.port} restarted: its start migrated the schema`);
        }
        return notes;
      },
      { seed: 47, faultMs: 8_000 },
    );
  },
};

const rolling: Scenario = {
  name: 'rolling',
  description:
    'a rolling deploy under load: each instance in turn stopped as Kubernetes stops a pod (SIGTERM; a gateway taken ' +
    'out of the rotation first, as out of its Service), and started again once it has exited (two of each)',
  async run(context) {
    const rounds = Math.max(1, Math.round(2 * context.scale));
    return withTwoOfEach(
      context,
      'rolling',
      (system, requests) =>
        metByRequests(requests, async () => {
          const notes: string[] = [];
          for (let round = 0; round < rounds; round++)
            for (const victim of [...system.instances]) {
              await sleep(300);
              // Requests already sent to a gateway are still in hand when it is told to stop.
              victim.serving = false;
              const stopped = performance.now();
              await victim.stop();
              const exited = performance.now();
              await victim.start();
              victim.serving = true;
              notes.push(
                `SIGTERM ${victim.app} :${victim.port}: exited in ${Math.round(exited - stopped)} ms, ready again ` +
                  `${Math.round(performance.now() - exited)} ms later`,
              );
            }
          return notes;
        }),
      // Each instance answers what it has taken before it goes, while its twin takes the new work.
      { seed: 31, faultMs: 4_000 * rounds * 6, expectUnfelt: true, gateways: 2 },
    );
  },
};

const poison: Scenario = {
  name: 'poison',
  description:
    'commits no consumer can apply (undecodable ones, an event missing a field a read model needs) under load',
  async run(context) {
    return withSystem(
      context,
      { natsUrl: context.natsUrl, databaseUrl: context.databaseUrl },
      async (system) => {
        const js = system.nc.jetstream();
        const inject = async () => {
          await js.publish(`${system.batch.subjectPrefix}.poison.1`, Buffer.from('{not json'));
          await js.publish(`${system.update.subjectPrefix}.poison.1`, Buffer.from('\u0000\u0001'));
          const missingOrganization = {
            format: 1,
            time: new Date().toISOString(),
            metadata: { actor: 'chaos', correlationId: 'c', causationId: null, commandId: null },
            fingerprint: null,
            events: [
              {
                id: 'e',
                type: 'DeviceQuarantined',
                v: 1,
                data: { deviceId: 'ghost', reason: 'x', deploymentId: null, at: new Date().toISOString() },
              },
            ],
          };
          await js.publish(
            `${system.update.subjectPrefix}.device.ghost`,
            Buffer.from(JSON.stringify(missingOrganization)),
          );
          return ['injected: an undecodable commit into each log, a DeviceQuarantined without its organization'];
        };
        // Undecodable on the batch log: the batch read model, the batch workflow, the fleet wiring; on the update log:
        // its read model, the quarantine flags, the fleet view, the deployment rules; the organization-less flag: the
        // quarantine flags once more.
        return underLoad(context, system, inject, { seed: 23, faultMs: 1_000, expectParkedAtLeast: 8 });
      },
      'poison',
    );
  },
};

/** The services on a 3-node JetStream cluster of loopback `nats-server`s, three-replica streams, under load. */
async function onCluster(
  context: ChaosContext,
  name: string,
  fault: (
    nats: Awaited<ReturnType<typeof startLocalNatsCluster>>,
    system: ChaosSystem,
    requests: RequestTally,
  ) => Promise<string[]>,
  options: { seed: number; faultMs: number },
): Promise<Verdict> {
  const nats = await startLocalNatsCluster(3);
  try {
    return await withSystem(
      context,
      { natsUrl: nats.urls, databaseUrl: context.databaseUrl, env: { STREAM_REPLICAS: '3' } },
      (system) => underLoad(context, system, (requests) => fault(nats, system, requests), options),
      name,
    );
  } finally {
    await Promise.all(nats.servers.map((s) => s.destroy()));
  }
}

const cluster: Scenario = {
  name: 'cluster',
  description: 'a 3-node JetStream cluster, three-replica streams; the leader of each stream killed under load',
  run: (context) =>
    onCluster(
      context,
      'cluster',
      async (nats, system) => {
        const jsm = await system.nc.jetstreamManager();
        const leaderOf = (stream: string) =>
          askAgain(`the leader of ${stream}`, () => jsm.streams.info(stream).then((info) => info.cluster?.leader));
        const notes: string[] = [];
        for (const stream of [system.batch.stream, system.update.stream]) {
          await sleep(500);
          const leader = await leaderOf(stream);
          const server = nats.servers.find((s) => s.name === leader) as (typeof nats.servers)[number];
          notes.push(`killed ${leader}, leader of ${stream}`);
          await server.crash(3_000);
        }
        return notes;
      },
      { seed: 29, faultMs: 8_000 },
    ),
};

const natsRolling: Scenario = {
  name: 'nats-rolling',
  description:
    'a rolling restart of a 3-node JetStream cluster under load, as a StatefulSet upgrade does: each server stopped ' +
    '(SIGTERM) and started again, the next once every stream has all its replicas current',
  run: (context) =>
    onCluster(
      context,
      'nats-rolling',
      (nats, system, requests) =>
        metByRequests(requests, async () => {
          const jsm = await system.nc.jetstreamManager();
          const current = async () => {
            for (const stream of [system.batch.stream, system.update.stream]) {
              const { cluster } = await jsm.streams.info(stream);
              const replicas = cluster?.replicas ?? [];
              if (
                !cluster?.leader ||
                replicas.length !== nats.servers.length - 1 ||
                replicas.some((r) => !r.current || r.offline)
              )
                return false;
            }
            return true;
          };
          const notes: string[] = [];
          for (const server of nats.servers) {
            await sleep(500);
            const began = performance.now();
            await server.restart(1_000);
            await askAgain('every stream with its replicas current', async () =>
              (await current()) ? true : undefined,
            );
            notes.push(
              `restarted ${server.name}; every stream current again after ${Math.round(performance.now() - began)} ms`,
            );
          }
          return notes;
        }),
      { seed: 37, faultMs: 12_000 },
    ),
};

export const scenarios: Scenario[] = [
  postgresRestart,
  natsRestart,
  postgresFreeze,
  natsFreeze,
  postgresLost,
  sigkill,
  freeze,
  rolling,
  poison,
  cluster,
  natsRolling,
];
