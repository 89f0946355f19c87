import { randomBytes } from 'node:crypto';
import { NatsConnection } from 'nats';
import { Client } from 'pg';
import { CatalogSubjects, Subject, TenancySubjects } from '@flotilla/contracts';
import { busRequester, connectService } from '@flotilla/nest-platform';
import { freeLoopbackPort } from '@flotilla/testing';
import { ScenarioContext } from '../measure';

/** A batch-orchestrator of the bench's own (stream, schema, empty catalog), driven over NATS as other services do. */
export interface BatchFleet {
  nc: NatsConnection;
  stream: string;
  subjectPrefix: string;
  schema: string;
  projectId: string;
  /** Its readiness: every read model caught up. */
  readyUrl: string;
  request<T>(subject: Subject, payload: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startBatchFleet(
  context: ScenarioContext,
  settings: Record<string, string> = {},
): Promise<BatchFleet> {
  const id = randomBytes(4).toString('hex');
  const stream = `BENCH_BATCH_${id.toUpperCase()}`;
  const subjectPrefix = `evt.bench_batch_${id}`;
  const schema = `bench_batch_${id}`;
  const healthPort = await freeLoopbackPort();
  const service = await context.launch('batch-orchestrator', {
    NATS_URL: context.natsUrl,
    DATABASE_URL: context.databaseUrl,
    BATCH_STREAM: stream,
    BATCH_SUBJECT_PREFIX: subjectPrefix,
    BATCH_DB_SCHEMA: schema,
    UPDATE_STREAM: `${stream}_UPD`,
    UPDATE_SUBJECT_PREFIX: `${subjectPrefix}_upd`,
    RPC_SUBJECT_PREFIX: `bench.${id}`,
    BATCH_SEED_DEMO_CATALOG: 'false',
    HEALTH_PORT: String(healthPort),
    ...settings,
  });
  await waitUntilReady(`http://127.0.0.1:${healthPort}/health/ready`);
  const nc = await connectService({ servers: context.natsUrl }, 'bench-client');
  const send = busRequester(nc, context.busKey, { prefix: `bench.${id}`, actor: 'bench', timeoutMs: 60_000 });
  const request = async <T>(subject: Subject, payload: unknown): Promise<T> => {
    const reply = await send<T>(subject, payload);
    if (!reply.ok) throw new Error(`${subject.name}: ${JSON.stringify(reply.error)}`);
    return reply.data;
  };
  const organization = await request<{ id: string }>(TenancySubjects.createOrganization, { name: 'bench' });
  const project = await request<{ id: string }>(TenancySubjects.createProject, {
    organizationId: organization.id,
    name: 'bench',
  });
  return {
    nc,
    stream,
    subjectPrefix,
    schema,
    projectId: project.id,
    readyUrl: `http://127.0.0.1:${healthPort}/health/ready`,
    request,
    async close() {
      await service.stop();
      const jsm = await nc.jetstreamManager();
      for (const name of [stream, `${stream}_UPD`]) await jsm.streams.delete(name).catch(() => undefined);
      await nc.close();
      const pg = new Client({ connectionString: context.databaseUrl });
      await pg.connect();
      await pg.query(`drop schema if exists "${schema}" cascade`);
      await pg.end();
    },
  };
}

/** One plan (`<name>.plan`), operating system (`<name>_os`) and facility (`<name>1`) with room for `total` servers. */
export async function defineOneFacility(fleet: BatchFleet, name: string, total: number): Promise<void> {
  await fleet.request(CatalogSubjects.definePlan, { slug: `${name}.plan`, name, architecture: 'x86_64' });
  await fleet.request(CatalogSubjects.defineOperatingSystem, {
    slug: `${name}_os`,
    name,
    provisionable_on: [`${name}.plan`],
  });
  await fleet.request(CatalogSubjects.defineFacility, { code: `${name}1`, name: `${name}1` });
  await fleet.request(CatalogSubjects.setCapacity, { facility: `${name}1`, plan: `${name}.plan`, total });
}

/**
 * Calls back when a batch reaches a terminal state, by watching the batch commits as they are published (a plain
 * NATS subscription on the stream's subjects sees every JetStream publish).
 */
export function watchBatchOutcomes(
  fleet: BatchFleet,
  onOutcome: (batchId: string, state: 'completed' | 'failed', at: number) => void,
) {
  const subscription = fleet.nc.subscribe(`${fleet.subjectPrefix}.batch.>`, {
    callback: (_err, message) => {
      const commit = JSON.parse(Buffer.from(message.data).toString()) as {
        events: { type: string; data: { batchId: string } }[];
      };
      for (const event of commit.events) {
        if (event.type === 'BatchCompleted') onOutcome(event.data.batchId, 'completed', performance.now());
        if (event.type === 'BatchFailed') onOutcome(event.data.batchId, 'failed', performance.now());
      }
    },
  });
  return () => subscription.unsubscribe();
}

/** Servers held or reserved beyond a facility's total, summed over every (facility, plan) of the read model. */
export async function capacityViolations(context: ScenarioContext, schema: string): Promise<number> {
  const pg = new Client({ connectionString: context.databaseUrl });
  await pg.connect();
  try {
    const { rows } = await pg.query(
      `select coalesce(sum(greatest(0, held + reserved - total)), 0)::int as over from "${schema}".capacity`,
    );
    return rows[0].over;
  } finally {
    await pg.end();
  }
}

/** Waits until `url` answers 200, or, given `accept`, until its JSON body passes it. */
export async function waitUntilReady(
  url: string,
  timeoutMs = 120_000,
  accept?: (body: unknown) => boolean,
  pollMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      async (r) => (accept ? accept(await r.json()) : r.status === 200),
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}
