import {
  BatchCompleted,
  BatchDeleted,
  BatchFailed,
  BatchPlaced,
  BatchRequested,
  DeviceCreated,
  DeviceDeleted,
  DeviceProvisioned,
  DeviceProvisioningFailed,
} from '@flotilla/contracts';
import {
  CapacityEvent,
  FacilityDefined,
  OperatingSystemDefined,
  PlanDefined,
  SpotPriceSet,
} from '@flotilla/batch-domain';
import { Projection, ProjectionContext } from '@flotilla/projections';
import { RecordedEvent } from '@flotilla/event-store';

type Data<E extends { data: unknown }> = E['data'];
type DataOf<T extends CapacityEvent['type']> = Extract<CapacityEvent, { type: T }>['data'];

async function addCapacity({ manager, table }: ProjectionContext, plan: string, facility: string, change: { total?: number; held?: number; reserved?: number }) {
  await manager.query(
    `insert into ${table('capacity')} as c (facility, plan, total, held, reserved) values ($1, $2, $3, $4, $5)
     on conflict (facility, plan) do update set total = c.total + excluded.total, held = c.held + excluded.held, reserved = c.reserved + excluded.reserved`,
    [facility, plan, change.total ?? 0, change.held ?? 0, change.reserved ?? 0],
  );
}

async function setBatchState({ manager, table }: ProjectionContext, event: RecordedEvent, state: string, extra: { errorMessages?: string[]; deviceIds?: string[] } = {}) {
  await manager.query(
    `update ${table('batches')} set state = $2, updated_at = $3,
       error_messages = coalesce($4::jsonb, error_messages), device_ids = coalesce($5::jsonb, device_ids) where id = $1`,
    [event.aggregateId, state, event.time, extra.errorMessages ? JSON.stringify(extra.errorMessages) : null, extra.deviceIds ? JSON.stringify(extra.deviceIds) : null],
  );
}

/** Catalog, capacity, batches and devices, as the admin API queries them. Tenancy events on the stream are ignored. */
export function batchProjection(schema: string): Projection {
  return {
    name: 'batches',
    schema,
    tables: ['facilities', 'plans', 'operating_systems', 'spot_prices', 'capacity', 'batches', 'devices'],
    handlers: {
      FacilityDefined: async (event, { manager, table }) => {
        const f = event.data as Data<FacilityDefined>;
        await manager.query(`insert into ${table('facilities')} (code, name) values ($1, $2) on conflict (code) do update set name = excluded.name`, [f.code, f.name]);
      },
      PlanDefined: async (event, { manager, table }) => {
        const p = event.data as Data<PlanDefined>;
        await manager.query(
          `insert into ${table('plans')} (slug, name, architecture) values ($1, $2, $3)
           on conflict (slug) do update set name = excluded.name, architecture = excluded.architecture`,
          [p.slug, p.name, p.architecture],
        );
      },
      OperatingSystemDefined: async (event, { manager, table }) => {
        const os = event.data as Data<OperatingSystemDefined>;
        await manager.query(
          `insert into ${table('operating_systems')} (slug, name, provisionable_on) values ($1, $2, $3)
           on conflict (slug) do update set name = excluded.name, provisionable_on = excluded.provisionable_on`,
          [os.slug, os.name, JSON.stringify(os.provisionableOn)],
        );
      },
      SpotPriceSet: async (event, { manager, table }) => {
        const s = event.data as Data<SpotPriceSet>;
        await manager.query(
          `insert into ${table('spot_prices')} (facility, plan, price) values ($1, $2, $3) on conflict (facility, plan) do update set price = excluded.price`,
          [s.facility, s.plan, s.price],
        );
      },
      CapacityTotalSet: async (event, context) => {
        const { plan, facility, total } = event.data as DataOf<'CapacityTotalSet'>;
        await addCapacity(context, plan, facility, {});
        await context.manager.query(`update ${context.table('capacity')} set total = $3 where facility = $1 and plan = $2`, [facility, plan, total]);
      },
      CapacityReserved: async (event, context) => {
        const { plan, allocations } = event.data as DataOf<'CapacityReserved'>;
        for (const a of allocations) await addCapacity(context, plan, a.facility, { reserved: a.quantity });
      },
      ReservedCapacityUsed: async (event, context) => {
        const { plan, facility, count } = event.data as DataOf<'ReservedCapacityUsed'>;
        await addCapacity(context, plan, facility, { reserved: -count, held: count });
      },
      ReservationReleased: async (event, context) => {
        const { plan, allocations } = event.data as DataOf<'ReservationReleased'>;
        for (const a of allocations) await addCapacity(context, plan, a.facility, { reserved: -a.quantity });
      },
      DeviceCapacityReleased: async (event, context) => {
        const { plan, facility, count } = event.data as DataOf<'DeviceCapacityReleased'>;
        await addCapacity(context, plan, facility, { held: -count });
      },
      BatchRequested: async (event, { manager, table }) => {
        const b = event.data as Data<BatchRequested>;
        await manager.query(
          `insert into ${table('batches')} (id, project_id, organization_id, state, quantity, plan, created_at, updated_at)
           values ($1, $2, $3, 'queued', $4, $5, $6, $6) on conflict (id) do nothing`,
          [b.batchId, b.projectId, b.organizationId, b.item.quantity, b.item.plan, event.time],
        );
      },
      BatchStarted: (event, context) => setBatchState(context, event, 'in_progress'),
      BatchPlaced: async (event, { manager, table }) => {
        const { allocations } = event.data as Data<BatchPlaced>;
        await manager.query(`update ${table('batches')} set facility_allocations = $2, updated_at = $3 where id = $1`, [event.aggregateId, JSON.stringify(allocations), event.time]);
      },
      DeviceProvisioningFailed: async (event, { manager, table }) => {
        const { deviceId, error } = event.data as Data<DeviceProvisioningFailed>;
        await manager.query(`update ${table('devices')} set state = 'failed', error = $2, updated_at = $3 where id = $1`, [deviceId, error, event.time]);
      },
      BatchCompleted: (event, context) => setBatchState(context, event, 'completed', { deviceIds: (event.data as Data<BatchCompleted>).deviceIds }),
      BatchFailed: (event, context) => {
        const { errorMessages, deviceIds } = event.data as Data<BatchFailed>;
        return setBatchState(context, event, 'failed', { errorMessages, deviceIds });
      },
      BatchDeleted: async (event, { manager, table }) => {
        const { batchId } = event.data as Data<BatchDeleted>;
        await manager.query(`delete from ${table('batches')} where id = $1`, [batchId]);
      },
      DeviceDeleted: async (event, { manager, table }) => {
        const { deviceId } = event.data as Data<DeviceDeleted>;
        await manager.query(`update ${table('devices')} set state = 'deleted', updated_at = $2 where id = $1`, [deviceId, event.time]);
      },
    },
    bulkHandlers: {
      DeviceCreated: async (events, { manager, table }) => {
        const devices = events.map((e) => e.data as Data<DeviceCreated>);
        const column = <T>(pick: (d: Data<DeviceCreated>) => T) => devices.map(pick);
        await manager.query(
          `insert into ${table('devices')} (id, batch_id, project_id, organization_id, position, hostname, state, plan, facility,
             operating_system, billing_cycle, tags, spot_instance, spot_price_max, spot_price, attributes, created_at, updated_at)
           select id, batch_id, project_id, organization_id, position, hostname, 'provisioning', plan, facility, operating_system, billing_cycle,
             tags, spot_instance, spot_price_max, spot_price, attributes, created_at, created_at
           from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
             $11::jsonb[], $12::boolean[], $13::float8[], $14::float8[], $15::jsonb[], $16::timestamptz[])
             as t(id, batch_id, project_id, organization_id, position, hostname, plan, facility, operating_system, billing_cycle,
               tags, spot_instance, spot_price_max, spot_price, attributes, created_at)
           on conflict (id) do nothing`,
          [
            column((d) => d.deviceId), column((d) => d.batchId), column((d) => d.projectId), column((d) => d.organizationId), column((d) => d.index),
            column((d) => d.hostname), column((d) => d.plan), column((d) => d.facility), column((d) => d.operatingSystem), column((d) => d.billingCycle),
            column((d) => JSON.stringify(d.tags)), column((d) => d.spotInstance), column((d) => d.spotPriceMax), column((d) => d.spotPrice),
            column((d) => JSON.stringify(d.attributes)), events.map((e) => e.time),
          ],
        );
      },
      DeviceProvisioned: async (events, { manager, table }) => {
        await manager.query(`update ${table('devices')} set state = 'active', updated_at = $2 where id = any($1::uuid[])`, [
          events.map((e) => (e.data as Data<DeviceProvisioned>).deviceId),
          events[events.length - 1].time,
        ]);
      },
    },
  };
}
