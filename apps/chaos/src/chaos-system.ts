import { randomBytes } from 'node:crypto';
import { connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import { ConsumerReport } from '@flotilla/event-store';
import { freeLoopbackPort, ServiceProcess, waitForHttp } from '@flotilla/testing';

export type AppName = 'batch-orchestrator' | 'update-resolver' | 'admin-gateway';

export interface ChaosContext {
  /** The NATS and Postgres a scenario uses unless it starts its own. */
  natsUrl: string;
  databaseUrl: string;
  /** Multiplies every scenario's load: 1 for the full run, small for the smoke test. */
  scale: number;
  /**
   * How long a restarted server stays down, or a paused service paused (`postgres-restart`: 600 ms, `nats-restart`:
   * 1 s, `freeze`: 35 s at full size, unless given).
   */
  downMs?: number;
  progress(message: string): void;
  /** Where a scenario that did not hold leaves its services' output, to see why. */
  logDir?: string;
  /** Starts one of the services as its own process (built, or from source in tests). */
  launch(app: AppName, env: Record<string, string>): ServiceProcess;
}

/** One running service process: killed and started again on the same port by scenarios. */
export interface Instance {
  app: AppName;
  port: number;
  process: ServiceProcess;
  /** SIGKILL, no cleanup. */
  kill(): Promise<void>;
  /** SIGTERM, as a rolling deploy stops a pod, and waits until it has exited. */
  stop(): Promise<void>;
  /** Clients are sent to it (a gateway): an endpoint of its Service, which Kubernetes removes before it stops a pod. */
  serving: boolean;
  /** SIGSTOP, and SIGCONT after `ms`: a paused VM or container, a process cut off and back. */
  freeze(ms: number): Promise<void>;
  /** Starts it again (after a kill) and waits until it is ready. */
  start(): Promise<void>;
  /** Waits until it is ready; a failure (at once if it ends while starting) tells the app and its output. */
  ready(): Promise<void>;
}

export interface HttpAnswer {
  status: number;
  /** The JSON body; each step reads what it expects of it. */
  body: unknown;
}

/** The three services on a scenario's own streams, schemas and keys, driven through the gateway as users would. */
export interface ChaosSystem {
  id: string;
  batch: { stream: string; subjectPrefix: string; schema: string };
  update: { stream: string; subjectPrefix: string; schema: string };
  databaseUrl: string;
  /** Drops the system's database, its connections cut, and creates it again empty. */
  replaceDatabase(): Promise<void>;
  /** The harness's own NATS connection, for reading the logs when judging. */
  nc: NatsConnection;
  instances: Instance[];
  /**
   * Instances that exited by themselves (not killed by the scenario): each a failure of the run, with its last words.
   */
  deaths: string[];
  rootToken: string;
  http(
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpAnswer>;
  /** Waits until every instance is ready and every consumer has nothing left to apply. */
  settle(timeoutMs?: number): Promise<ConsumerReport[]>;
  close(): Promise<void>;
}

/** What a service's readiness says, as far as settling reads it. */
interface Readiness {
  details?: { consumers?: { detail?: Record<string, ConsumerReport> } };
}

async function untilOk(
  url: string,
  timeoutMs: number,
  accept: (status: number, body: Readiness | null) => boolean = (status) => status === 200,
): Promise<Readiness | null> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      const body = (await response.json().catch(() => null)) as Readiness | null;
      if (accept(response.status, body)) return body;
      last = body;
    } catch (err) {
      last = String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms: ${JSON.stringify(last)?.slice(0, 2_000)}`);
}

/**
 * A database of the scenario's own on a Postgres server; dropped by close(). `replace` drops it, its connections cut,
 * and creates it again empty: a database replaced by a new one under the system.
 */
async function createDatabase(
  serverUrl: string,
  name: string,
): Promise<{ url: string; replace(): Promise<void>; drop(): Promise<void> }> {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const query = async (sql: string) => {
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await query(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    replace: async () => {
      await query(`drop database "${name}" with (force)`);
      await query(`create database "${name}"`);
    },
    drop: () => query(`drop database if exists "${name}" with (force)`).catch(() => undefined),
  };
}

export interface SystemShape {
  natsUrl: string;
  databaseUrl: string;
  orchestrators?: number;
  resolvers?: number;
  /** Gateways, clients sent to each in turn as a Service balances them (1 unless given). */
  gateways?: number;
  /** Extra environment of every service (STREAM_REPLICAS, PROVISIONER_DELAY_MS, …). */
  env?: Record<string, string>;
}

export async function startChaosSystem(context: ChaosContext, shape: SystemShape): Promise<ChaosSystem> {
  const id = randomBytes(4).toString('hex');
  const batch = {
    stream: `CHAOS_BATCH_${id.toUpperCase()}`,
    subjectPrefix: `evt.chaos_batch_${id}`,
    schema: `chaos_batch_${id}`,
  };
  const update = {
    stream: `CHAOS_UPDATE_${id.toUpperCase()}`,
    subjectPrefix: `evt.chaos_update_${id}`,
    schema: `chaos_update_${id}`,
  };
  const database = await createDatabase(shape.databaseUrl, `chaos_${id}`);
  const keys = Object.fromEntries(
    ['FLOTILLA_BUS_KEY', 'FIRMWARE_URL_SIGNING_KEY', 'DEVICE_CREDENTIAL_KEY'].map((name) => [
      name,
      randomBytes(32).toString('base64url'),
    ]),
  );
  const rootToken = `chaos-root-${randomBytes(16).toString('hex')}`;
  const common = {
    ...keys,
    NATS_URL: shape.natsUrl,
    DATABASE_URL: database.url,
    BATCH_STREAM: batch.stream,
    BATCH_SUBJECT_PREFIX: batch.subjectPrefix,
    BATCH_DB_SCHEMA: batch.schema,
    UPDATE_STREAM: update.stream,
    UPDATE_SUBJECT_PREFIX: update.subjectPrefix,
    UPDATE_DB_SCHEMA: update.schema,
    RPC_SUBJECT_PREFIX: `chaos.${id}`,
    FLOTILLA_ADMIN_TOKEN: rootToken,
    // Faults make dependencies fail for a while: a consumer waits them out (never parks for them) and says so fast.
    CONSUMER_MAX_BACKOFF_MS: '2000',
    // Devices whose termination time comes during the fault are deleted during it.
    BATCH_TERMINATION_SWEEP_MS: '1000',
    // Devices take a while to come up, as real ones do, so faults meet batches and single devices mid-provisioning.
    PROVISIONER_DELAY_MS: '300',
    ...shape.env,
  };
  const instances: Instance[] = [];
  const deaths: string[] = [];
  let closing = false;
  const startInstance = async (app: AppName): Promise<Instance> => {
    const port = await freeLoopbackPort();
    const env = { ...common, [app === 'admin-gateway' ? 'PORT' : 'HEALTH_PORT']: String(port) };
    let stopping = false;
    const launch = () => {
      stopping = false;
      const process = context.launch(app, env);
      process.child.once('exit', (code, signal) => {
        if (closing || signal === 'SIGKILL' || (stopping && (code === 0 || signal === 'SIGTERM'))) return;
        deaths.push(
          `${app} :${port} exited by itself (${signal ?? `code ${code}`}): ${process.output().slice(-1_500)}`,
        );
      });
      return process;
    };
    const instance: Instance = {
      app,
      port,
      process: launch(),
      serving: true,
      async kill() {
        await instance.process.stop('SIGKILL');
      },
      async stop() {
        stopping = true;
        await instance.process.stop('SIGTERM');
      },
      async freeze(ms) {
        instance.process.child.kill('SIGSTOP');
        await new Promise((resolve) => setTimeout(resolve, ms));
        instance.process.child.kill('SIGCONT');
      },
      async start() {
        instance.process = launch();
        await instance.ready();
      },
      async ready() {
        await waitForHttp(`http://127.0.0.1:${port}/health/ready`, instance.process, 120_000).catch((err: Error) => {
          throw new Error(`${app} :${port}: ${err.message}`);
        });
      },
    };
    instances.push(instance);
    await instance.ready();
    return instance;
  };
  for (let i = 0; i < (shape.orchestrators ?? 1); i++) await startInstance('batch-orchestrator');
  for (let i = 0; i < (shape.resolvers ?? 1); i++) await startInstance('update-resolver');
  for (let i = 0; i < (shape.gateways ?? 1); i++) await startInstance('admin-gateway');
  const nc = await connect({ servers: shape.natsUrl.split(','), name: 'chaos', maxReconnectAttempts: -1 });
  let turn = 0;
  /** The next gateway in the rotation; with none serving, the first (a client then meets a refused connection). */
  const base = () => {
    const gateways = instances.filter((i) => i.app === 'admin-gateway');
    const serving = gateways.filter((i) => i.serving);
    const gateway = serving.length ? serving[turn++ % serving.length] : gateways[0];
    return `http://127.0.0.1:${gateway.port}`;
  };

  return {
    id,
    batch,
    update,
    databaseUrl: database.url,
    replaceDatabase: database.replace,
    nc,
    instances,
    deaths,
    rootToken,
    async http(method, path, token, body, headers = {}) {
      const response = await fetch(`${base()}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    async settle(timeoutMs = 180_000) {
      const reports: ConsumerReport[] = [];
      for (const instance of instances.filter((i) => i.app !== 'admin-gateway')) {
        const body = await untilOk(`http://127.0.0.1:${instance.port}/health/ready`, timeoutMs, (status, ready) => {
          const consumers = Object.values(ready?.details?.consumers?.detail ?? {});
          return status === 200 && consumers.length > 0 && consumers.every((c) => c.lag === 0 && c.failing === null);
        });
        for (const [consumer, report] of Object.entries(body?.details?.consumers?.detail ?? {}))
          reports.push({ ...report, consumer });
      }
      return reports;
    },
    async close() {
      closing = true;
      await Promise.all(instances.map((i) => i.process.stop()));
      const jsm = await nc.jetstreamManager();
      for (const stream of [batch.stream, update.stream]) await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
      await database.drop();
    },
  };
}
