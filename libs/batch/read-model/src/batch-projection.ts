import { BatchDeviceEvent, BatchEvent, DeviceDescription, FacilityAllocation } from '@flotilla/events';
import { CapacityEvent, CatalogEvent } from '@flotilla/batch-domain';
import {
  ChangeRecorders,
  changesetOf,
  defineProjection,
  jsonOrNull,
  Projection,
  ProjectionContext,
  SqlStatement,
} from '@flotilla/projections';

type Table = ProjectionContext['table'];

/** The contract events the batch read model reads; tenancy events on the same stream are ignored. */
type BatchReadModelEvent = CatalogEvent | CapacityEvent | BatchEvent | BatchDeviceEvent;
type BusyTableEvent = CapacityEvent | BatchEvent | BatchDeviceEvent;

interface CapacityChange {
  facility: string;
  plan: string;
  /** Set by `CapacityTotalSet`; the other columns only move by deltas. */
  total: number | null;
  held: number;
  reserved: number;
}

interface BatchFields {
  state?: string;
  errorMessages?: string[];
  deviceIds?: string[];
  facilityAllocations?: FacilityAllocation[];
  updatedAt: string;
}

interface NewBatch extends BatchFields {
  id: string;
  projectId: string;
  organizationId: string;
  quantity: number;
  plan: string;
  state: string;
  createdAt: string;
}

interface DeviceFields {
  state?: string;
  error?: string;
  hostname?: string;
  tags?: string[];
  /** Merged into its `attributes`, where its batch item's `locked`, `description` and `customdata` are. */
  attributes?: Record<string, unknown>;
  updatedAt: string;
}

type NewDevice = DeviceDescription & DeviceFields & { state: string; createdAt: string };

/**
 * What a batch of commits changes in the busy tables (capacity, batches, devices), gathered in memory: a batch's
 * half-dozen events and its devices' events become a few set-based statements, run as one, not one per event.
 * Rows created in the same batch are written once, in their final state.
 */
interface BatchChanges {
  capacity: Map<string, CapacityChange>;
  newBatches: Map<string, NewBatch>;
  batchUpdates: Map<string, BatchFields>;
  deletedBatches: Set<string>;
  newDevices: Map<string, NewDevice>;
  deviceUpdates: Map<string, DeviceFields>;
}

function capacityOf(changes: BatchChanges, plan: string, facility: string): CapacityChange {
  const key = `${facility}\u0000${plan}`;
  let change = changes.capacity.get(key);
  if (!change) changes.capacity.set(key, (change = { facility, plan, total: null, held: 0, reserved: 0 }));
  return change;
}

function updateBatch(changes: BatchChanges, id: string, fields: BatchFields): void {
  if (changes.deletedBatches.has(id)) return; // its row goes: an update beside the delete would touch it twice
  const row = changes.newBatches.get(id) ?? changes.batchUpdates.get(id);
  if (row) Object.assign(row, fields);
  else changes.batchUpdates.set(id, fields);
}

/** The fields a change gives: one it leaves undefined keeps what the row holds. */
const given = <T extends object>(fields: T): Partial<T> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;

function updateDevice(changes: BatchChanges, id: string, { attributes, ...fields }: DeviceFields): void {
  const row = changes.newDevices.get(id) ?? changes.deviceUpdates.get(id);
  if (!row) return void changes.deviceUpdates.set(id, { ...fields, attributes: attributes && given(attributes) });
  Object.assign(row, given(fields));
  if (attributes) row.attributes = { ...row.attributes, ...given(attributes) };
}

const recorders: ChangeRecorders<BusyTableEvent, BatchChanges> = {
  CapacityTotalSet: (event, changes) => {
    const { plan, facility, total } = event.data;
    capacityOf(changes, plan, facility).total = total;
  },
  CapacityReserved: (event, changes) => {
    const { plan, allocations } = event.data;
    for (const a of allocations) capacityOf(changes, plan, a.facility).reserved += a.quantity;
  },
  ReservedCapacityUsed: (event, changes) => {
    const { plan, facility, count } = event.data;
    const change = capacityOf(changes, plan, facility);
    change.reserved -= count;
    change.held += count;
  },
  ReservationReleased: (event, changes) => {
    const { plan, allocations } = event.data;
    for (const a of allocations) capacityOf(changes, plan, a.facility).reserved -= a.quantity;
  },
  DeviceCapacityReleased: (event, changes) => {
    const { plan, facility, count } = event.data;
    capacityOf(changes, plan, facility).held -= count;
  },
  BatchRequested: (event, changes) => {
    const b = event.data;
    changes.newBatches.set(b.batchId, {
      id: b.batchId,
      projectId: b.projectId,
      organizationId: b.organizationId,
      quantity: b.item.quantity,
      plan: b.item.plan,
      state: 'queued',
      createdAt: event.time,
      updatedAt: event.time,
    });
  },
  BatchStarted: (event, changes) =>
    updateBatch(changes, event.aggregateId, { state: 'in_progress', updatedAt: event.time }),
  BatchPlaced: (event, changes) => {
    const { allocations } = event.data;
    updateBatch(changes, event.aggregateId, { facilityAllocations: allocations, updatedAt: event.time });
  },
  BatchCompleted: (event, changes) => {
    const { deviceIds } = event.data;
    updateBatch(changes, event.aggregateId, { state: 'completed', deviceIds, updatedAt: event.time });
  },
  BatchFailed: (event, changes) => {
    const { errorMessages, deviceIds } = event.data;
    updateBatch(changes, event.aggregateId, { state: 'failed', errorMessages, deviceIds, updatedAt: event.time });
  },
  BatchDeleted: (event, changes) => {
    const { batchId } = event.data;
    changes.newBatches.delete(batchId);
    changes.batchUpdates.delete(batchId);
    changes.deletedBatches.add(batchId);
  },
  DeviceCreated: (event, changes) => {
    // Its `createdAt` is the commit's time, as every row's.
    changes.newDevices.set(event.data.deviceId, {
      ...event.data,
      state: 'provisioning',
      createdAt: event.time,
      updatedAt: event.time,
    });
  },
  DeviceProvisioned: (event, changes) => {
    updateDevice(changes, event.data.deviceId, { state: 'active', updatedAt: event.time });
  },
  DeviceProvisioningFailed: (event, changes) => {
    const { deviceId, error } = event.data;
    updateDevice(changes, deviceId, { state: 'failed', error, updatedAt: event.time });
  },
  DeviceLockChanged: (event, changes) => {
    updateDevice(changes, event.data.deviceId, { attributes: { locked: event.data.locked }, updatedAt: event.time });
  },
  DeviceUpdated: (event, changes) => {
    const { deviceId, hostname, tags, description, customdata } = event.data;
    // Description and customdata are kept in its attributes, where its batch item put them.
    updateDevice(changes, deviceId, { hostname, tags, attributes: { description, customdata }, updatedAt: event.time });
  },
  DeviceDeleted: (event, changes) => {
    updateDevice(changes, event.data.deviceId, { state: 'deleted', updatedAt: event.time });
  },
};

/** Capacity rows: deltas of held and reserved servers, and the total where one was set. */
function capacityStatements(table: Table, changes: CapacityChange[]): SqlStatement[] {
  // A row is in one statement or the other: the two run as one and may not touch the same row.
  const upsert = (rows: CapacityChange[], setTotal: string): SqlStatement => ({
    text: `insert into ${table('capacity')} as c (facility, plan, total, held, reserved)
       select facility, plan, coalesce(total, 0), held, reserved
       from unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[]) as u(facility, plan, total, held, reserved)
       on conflict (facility, plan) do update
         set ${setTotal}held = c.held + excluded.held, reserved = c.reserved + excluded.reserved`,
    values: [
      rows.map((c) => c.facility),
      rows.map((c) => c.plan),
      rows.map((c) => c.total),
      rows.map((c) => c.held),
      rows.map((c) => c.reserved),
    ],
  });
  const totals = changes.filter((c) => c.total !== null);
  const deltas = changes.filter((c) => c.total === null);
  return [
    ...(totals.length ? [upsert(totals, 'total = excluded.total, ')] : []),
    ...(deltas.length ? [upsert(deltas, '')] : []),
  ];
}

function batchStatements(table: Table, changes: BatchChanges): SqlStatement[] {
  const statements: SqlStatement[] = [];
  const rows = [...changes.newBatches.values()];
  if (rows.length)
    statements.push({
      text: `insert into ${table('batches')} (id, project_id, organization_id, state, quantity, plan, error_messages,
         facility_allocations, device_ids, created_at, updated_at)
       select id, project_id, organization_id, state, quantity, plan, coalesce(error_messages, '[]'),
         facility_allocations, coalesce(device_ids, '[]'), created_at, updated_at
       from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::text[], $7::jsonb[], $8::jsonb[],
         $9::jsonb[], $10::timestamptz[], $11::timestamptz[])
         as u(id, project_id, organization_id, state, quantity, plan, error_messages, facility_allocations, device_ids,
           created_at, updated_at)
       on conflict (id) do nothing`,
      values: [
        rows.map((r) => r.id),
        rows.map((r) => r.projectId),
        rows.map((r) => r.organizationId),
        rows.map((r) => r.state),
        rows.map((r) => r.quantity),
        rows.map((r) => r.plan),
        rows.map((r) => jsonOrNull(r.errorMessages)),
        rows.map((r) => jsonOrNull(r.facilityAllocations)),
        rows.map((r) => jsonOrNull(r.deviceIds)),
        rows.map((r) => r.createdAt),
        rows.map((r) => r.updatedAt),
      ],
    });
  const updates = [...changes.batchUpdates];
  if (updates.length)
    statements.push({
      text: `update ${table('batches')} b set state = coalesce(u.state, b.state), error_messages = coalesce(u.error_messages,
         b.error_messages),
         facility_allocations = coalesce(u.facility_allocations, b.facility_allocations), device_ids =
           coalesce(u.device_ids, b.device_ids), updated_at = u.updated_at
       from unnest($1::uuid[], $2::text[], $3::jsonb[], $4::jsonb[], $5::jsonb[], $6::timestamptz[])
         as u(id, state, error_messages, facility_allocations, device_ids, updated_at)
       where b.id = u.id`,
      values: [
        updates.map(([id]) => id),
        updates.map(([, f]) => f.state ?? null),
        updates.map(([, f]) => jsonOrNull(f.errorMessages)),
        updates.map(([, f]) => jsonOrNull(f.facilityAllocations)),
        updates.map(([, f]) => jsonOrNull(f.deviceIds)),
        updates.map(([, f]) => f.updatedAt),
      ],
    });
  if (changes.deletedBatches.size)
    statements.push({
      text: `delete from ${table('batches')} where id = any($1::uuid[])`,
      values: [[...changes.deletedBatches]],
    });
  return statements;
}

function deviceStatements(table: Table, changes: BatchChanges): SqlStatement[] {
  const statements: SqlStatement[] = [];
  const devices = [...changes.newDevices.values()];
  if (devices.length) {
    const column = <T>(pick: (d: NewDevice) => T) => devices.map(pick);
    statements.push({
      text: `insert into ${table('devices')} (id, batch_id, project_id, organization_id, position, hostname, state, plan,
         facility,
         operating_system, billing_cycle, tags, spot_instance, spot_price_max, spot_price, attributes, error,
           created_at, updated_at)
       select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::int[], $6::text[], $7::text[],
         $8::text[], $9::text[], $10::text[],
         $11::text[], $12::jsonb[], $13::boolean[], $14::float8[], $15::float8[], $16::jsonb[], $17::text[],
           $18::timestamptz[], $19::timestamptz[])
       on conflict (id) do nothing`,
      values: [
        column((d) => d.deviceId),
        column((d) => d.batchId),
        column((d) => d.projectId),
        column((d) => d.organizationId),
        column((d) => d.index),
        column((d) => d.hostname),
        column((d) => d.state),
        column((d) => d.plan),
        column((d) => d.facility),
        column((d) => d.operatingSystem),
        column((d) => d.billingCycle),
        column((d) => JSON.stringify(d.tags)),
        column((d) => d.spotInstance),
        column((d) => d.spotPriceMax),
        column((d) => d.spotPrice),
        column((d) => JSON.stringify(d.attributes)),
        column((d) => d.error ?? null),
        column((d) => d.createdAt),
        column((d) => d.updatedAt),
      ],
    });
  }
  const updates = [...changes.deviceUpdates];
  if (updates.length)
    statements.push({
      text: `update ${table('devices')} d set state = coalesce(u.state, d.state), error = coalesce(u.error, d.error),
         hostname = coalesce(u.hostname, d.hostname), tags = coalesce(u.tags, d.tags),
         attributes = case when u.attributes is null then d.attributes else d.attributes || u.attributes end,
         updated_at = u.updated_at
       from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[], $7::timestamptz[])
         as u(id, state, error, hostname, tags, attributes, updated_at)
       where d.id = u.id`,
      values: [
        updates.map(([id]) => id),
        updates.map(([, f]) => f.state ?? null),
        updates.map(([, f]) => f.error ?? null),
        updates.map(([, f]) => f.hostname ?? null),
        updates.map(([, f]) => jsonOrNull(f.tags)),
        updates.map(([, f]) => jsonOrNull(f.attributes)),
        updates.map(([, f]) => f.updatedAt),
      ],
    });
  return statements;
}

/** The batch read model's busy tables, written set-based (see BatchChanges). */
const batchChangeset = changesetOf<BusyTableEvent, BatchChanges>(
  () => ({
    capacity: new Map(),
    newBatches: new Map(),
    batchUpdates: new Map(),
    deletedBatches: new Set(),
    newDevices: new Map(),
    deviceUpdates: new Map(),
  }),
  recorders,
  (changes, table) => [
    ...capacityStatements(table, [...changes.capacity.values()]),
    ...batchStatements(table, changes),
    ...deviceStatements(table, changes),
  ],
);

/**
 * Catalog, capacity, batches and devices, as the admin API queries them. The rare catalog events are written one by
 * one; capacity, batches and devices, which every batch touches many times, through the batch changeset. Tenancy
 * events on the stream are ignored.
 */
export function batchProjection(schema: string): Projection {
  return defineProjection<BatchReadModelEvent>({
    name: 'batches',
    schema,
    tables: ['metros', 'facilities', 'plans', 'operating_systems', 'spot_prices', 'capacity', 'batches', 'devices'],
    handlers: {
      MetroDefined: async (event, { manager, table }) => {
        const m = event.data;
        await manager.query(
          `insert into ${table('metros')} (code, name, country) values ($1, $2, $3)
             on conflict (code) do update set name = excluded.name, country = excluded.country`,
          [m.code, m.name, m.country],
        );
      },
      FacilityDefined: async (event, { manager, table }) => {
        const f = event.data;
        await manager.query(
          `insert into ${table('facilities')} (code, name, metro) values ($1, $2, $3)
             on conflict (code) do update set name = excluded.name, metro = excluded.metro`,
          [f.code, f.name, f.metro ?? null],
        );
      },
      PlanDefined: async (event, { manager, table }) => {
        const p = event.data;
        await manager.query(
          `insert into ${table('plans')} (slug, name, architecture) values ($1, $2, $3)
           on conflict (slug) do update set name = excluded.name, architecture = excluded.architecture`,
          [p.slug, p.name, p.architecture],
        );
      },
      OperatingSystemDefined: async (event, { manager, table }) => {
        const os = event.data;
        await manager.query(
          `insert into ${table('operating_systems')} (slug, name, provisionable_on) values ($1, $2, $3)
           on conflict (slug) do update set name = excluded.name, provisionable_on = excluded.provisionable_on`,
          [os.slug, os.name, JSON.stringify(os.provisionableOn)],
        );
      },
      SpotPriceSet: async (event, { manager, table }) => {
        const s = event.data;
        await manager.query(
          `insert into ${table('spot_prices')} (facility, plan, price) values ($1, $2, $3)
             on conflict (facility, plan) do update set price = excluded.price`,
          [s.facility, s.plan, s.price],
        );
      },
    },
    changeset: batchChangeset,
  });
}
