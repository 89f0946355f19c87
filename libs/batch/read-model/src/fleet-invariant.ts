import { NatsConnection } from 'nats';
import { Client } from 'pg';
import { EventStore } from '@flotilla/event-store';
import { BatchLogEventSchema } from '@flotilla/events';

export interface FleetReport {
  batches: {
    id: string;
    state: string;
    quantity: number;
    errors: string[];
    devices: number;
    active: number;
    deleted: number;
  }[];
  violations: string[];
}

/** Where a batch-orchestrator keeps its read model and its log (a TestEnvironment is one). */
export interface FleetLocation {
  db: { url: string };
  nc: NatsConnection;
  stream: string;
  subjectPrefix: string;
}

/**
 * Checks batch-deployment.md §6's invariant on what the services wrote (for tests and the chaos harness): per
 * (facility, plan) held + reserved ≤ total, nothing reserved once every batch is over and held = live devices; a
 * completed batch has exactly its quantity of devices, each active or since deleted, a failed one says why; and in
 * the log no device was created twice.
 */
export async function checkFleet(env: FleetLocation, schema = 'batch_orchestrator'): Promise<FleetReport> {
  const violations: string[] = [];
  const pg = new Client({ connectionString: env.db.url });
  await pg.connect();
  let batches: FleetReport['batches'];
  try {
    batches = (
      await pg.query(
        `select b.id, b.state, b.quantity, b.error_messages as errors,
           (select count(*)::int from ${schema}.devices d where d.batch_id = b.id) as devices,
           (select count(*)::int from ${schema}.devices d where d.batch_id = b.id and d.state = 'active') as active,
           (select count(*)::int from ${schema}.devices d where d.batch_id = b.id and d.state = 'deleted') as deleted
         from ${schema}.batches b`,
      )
    ).rows as FleetReport['batches'];
    const over = batches.every((b) => b.state === 'completed' || b.state === 'failed');
    const capacity = (
      await pg.query(
        `select c.facility, c.plan, c.total, c.held, c.reserved,
           (select count(*)::int from ${schema}.devices d
             where d.facility = c.facility and d.plan = c.plan and d.state in ('active', 'provisioning')) as live
         from ${schema}.capacity c`,
      )
    ).rows;
    for (const c of capacity) {
      if (c.held + c.reserved > c.total)
        violations.push(`${c.facility}/${c.plan} oversold: ${c.held} held + ${c.reserved} reserved > ${c.total}`);
      if (c.live > c.total)
        violations.push(`${c.facility}/${c.plan} has ${c.live} live devices for ${c.total} servers`);
      if (over && c.reserved !== 0)
        violations.push(`${c.facility}/${c.plan} still has ${c.reserved} reserved with every batch over`);
      if (over && c.held !== c.live)
        violations.push(`${c.facility}/${c.plan} holds ${c.held} servers for ${c.live} live devices`);
    }
    for (const b of batches) {
      if (b.state === 'completed' && (b.devices !== b.quantity || b.active + b.deleted !== b.quantity)) {
        violations.push(
          `batch ${b.id} completed with ${b.active} active and ${b.deleted} deleted of ${b.devices}, for ${b.quantity}`,
        );
      }
      if (b.state === 'failed' && b.errors.length === 0) violations.push(`batch ${b.id} failed without a reason`);
    }
  } finally {
    await pg.end();
  }

  const store = await EventStore.reader(env.nc, {
    stream: env.stream,
    subjectPrefix: env.subjectPrefix,
    ...BatchLogEventSchema,
  });
  const created = new Map<string, number>();
  for await (const commit of store.readRange({ onUndecodable: () => undefined })) {
    for (const event of commit.events) {
      if (event.type === 'DeviceCreated') {
        const id = (event.data as { deviceId: string }).deviceId;
        created.set(id, (created.get(id) ?? 0) + 1);
      }
    }
  }
  for (const [id, count] of created) if (count > 1) violations.push(`device ${id} created ${count} times`);
  return { batches, violations };
}
