import { randomBytes } from 'node:crypto';
import { AckPolicy, DeliverPolicy, NatsConnection, StorageType } from 'nats';
import { connectService } from '@flotilla/nest-platform';
import { Client } from 'pg';
import { closedLoop, Figure, Scenario, ScenarioContext } from '../measure';

const PAYLOAD = Buffer.from(JSON.stringify({ type: 'Bench', data: { pad: 'x'.repeat(160) } }));

export async function natsRequestReply(
  nc: NatsConnection,
  context: ScenarioContext,
  concurrency = 64,
): Promise<Figure> {
  const subject = `bench.rr.${randomBytes(4).toString('hex')}`;
  const responder = nc.subscribe(subject, {
    callback: (_err, msg) =>
      msg.respond(Buffer.from(JSON.stringify({ ok: true, data: JSON.parse(Buffer.from(msg.data).toString()) }))),
  });
  const result = await closedLoop(
    () => nc.request(subject, PAYLOAD, { timeout: 5_000 }),
    concurrency,
    3_000 * context.scale,
  );
  responder.unsubscribe();
  return {
    name: `nats request/reply (${concurrency} in flight)`,
    value: result.perSecond,
    unit: 'req/s',
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
  };
}

async function jetStreamPublish(nc: NatsConnection, stream: string, context: ScenarioContext): Promise<Figure> {
  const js = nc.jetstream();
  let i = 0;
  const result = await closedLoop(
    () => js.publish(`${stream.toLowerCase()}.${i++ % 10_000}`, PAYLOAD),
    64,
    3_000 * context.scale,
  );
  return {
    name: 'jetstream acked publish (64 in flight)',
    value: result.perSecond,
    unit: 'msg/s',
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
  };
}

/** The ceiling of any projection: durable pull consumer → 500-row upsert + checkpoint per transaction → ack. */
async function jetStreamToPostgres(nc: NatsConnection, stream: string, context: ScenarioContext): Promise<Figure> {
  const total = Math.max(500, Math.round(50_000 * context.scale));
  const js = nc.jetstream();
  const source = `${stream}_PG`;
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: source, subjects: [`${source.toLowerCase()}.>`], storage: StorageType.File });
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    pending.push(js.publish(`${source.toLowerCase()}.${i % 100_000}`, PAYLOAD));
    if (pending.length >= 256) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  context.progress(`published ${total} events for the projection ceiling`);

  const pg = new Client({ connectionString: context.databaseUrl });
  await pg.connect();
  const table = `bench_rm_${randomBytes(4).toString('hex')}`;
  await pg.query(`create table ${table} (id text primary key, version bigint, data jsonb, updated_at timestamptz)`);
  await pg.query(`create table ${table}_cp (name text primary key, seq bigint)`);
  await jsm.consumers.add(source, {
    durable_name: 'bench',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: 10_000,
  });
  const consumer = await js.consumers.get(source, 'bench');
  const start = performance.now();
  let applied = 0;
  let batch: { seq: number; subject: string; data: string; ack: () => void }[] = [];
  const flush = async () => {
    const rows = batch;
    batch = [];
    await pg.query('begin');
    await pg.query(
      `insert into ${table} (id, version, data, updated_at) select *
         from unnest($1::text[], $2::bigint[], $3::jsonb[], $4::timestamptz[])
       on conflict (id) do update set version = excluded.version, data = excluded.data, updated_at =
         excluded.updated_at`,
      [rows.map((r) => r.subject), rows.map((r) => r.seq), rows.map((r) => r.data), rows.map(() => new Date())],
    );
    await pg.query(`insert into ${table}_cp values ('bench', $1) on conflict (name) do update set seq = excluded.seq`, [
      rows[rows.length - 1].seq,
    ]);
    await pg.query('commit');
    rows.forEach((r) => r.ack());
    applied += rows.length;
  };
  const messages = await consumer.consume({ max_messages: 1_000 });
  for await (const message of messages) {
    batch.push({
      seq: message.seq,
      subject: message.subject,
      data: Buffer.from(message.data).toString(),
      ack: () => message.ack(),
    });
    if (batch.length >= 500 || message.info.pending === 0) await flush();
    if (applied >= total) break;
  }
  const elapsed = (performance.now() - start) / 1000;
  messages.stop();
  await pg.query(`drop table ${table}; drop table ${table}_cp`);
  await pg.end();
  await jsm.streams.delete(source);
  return { name: 'jetstream → postgres (500 per tx, checkpoint in tx)', value: applied / elapsed, unit: 'events/s' };
}

/** The raw JetStream → Postgres ceiling on a stream of its own: the yardstick of placement and replay. */
export async function rawJetStreamToPostgres(context: ScenarioContext): Promise<Figure> {
  const nc = await connectService({ servers: context.natsUrl }, 'bench-raw');
  const stream = `BENCH_${randomBytes(4).toString('hex').toUpperCase()}`;
  try {
    return await jetStreamToPostgres(nc, stream, context);
  } finally {
    await nc.close();
  }
}

export const baseline: Scenario = {
  name: 'baseline',
  description: 'raw substrate: NATS request/reply, JetStream acked publish, JetStream → Postgres batched upserts',
  async run(context) {
    const nc = await connectService({ servers: context.natsUrl }, 'bench');
    const stream = `BENCH_${randomBytes(4).toString('hex').toUpperCase()}`;
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`], storage: StorageType.File });
    try {
      context.progress('core NATS request/reply');
      const rr = await natsRequestReply(nc, context);
      context.progress('JetStream acked publish');
      const pub = await jetStreamPublish(nc, stream, context);
      context.progress('JetStream → Postgres');
      const pg = await jetStreamToPostgres(nc, stream, context);
      return [rr, pub, pg];
    } finally {
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
  },
};
