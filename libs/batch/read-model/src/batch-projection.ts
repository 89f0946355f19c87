import { FacilityDefined, OperatingSystemDefined, PlanDefined, SpotPriceSet } from '@flotilla/batch-domain';
import { Projection } from '@flotilla/projections';
import { batchChangeset } from './batch-changeset';

type Data<E extends { data: unknown }> = E['data'];

/**
 * Catalog, capacity, batches and devices, as the admin API queries them. The rare catalog events are written one by
 * one; capacity, batches and devices, which every batch touches many times, through the batch changeset. Tenancy
 * events on the stream are ignored.
 */
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
    },
    changeset: batchChangeset,
  };
}
