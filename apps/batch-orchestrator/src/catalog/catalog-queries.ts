import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { catalogCode } from '@flotilla/batch-domain';
import { CapacityLevel, ServerQuantity } from '@flotilla/contracts';
import {
  CapacityRow,
  FacilityRow,
  MetroRow,
  OperatingSystemRow,
  PlanRow,
  SpotPriceRow,
} from '@flotilla/batch-read-model';
import {
  availableOf,
  CatalogObjects,
  capacityLevel,
  facilityView,
  metroView,
  operatingSystemView,
  planView,
} from './catalog-views';

export type CatalogListing = 'metros' | 'facilities' | 'plans' | 'operating_systems';

/** The catalog's objects, read at once: a few dozen rows. */
export async function loadCatalogObjects(dataSource: DataSource): Promise<CatalogObjects> {
  const [metroRows, facilities, plans, operatingSystems] = await Promise.all([
    dataSource.getRepository(MetroRow).find({ order: { code: 'ASC' } }),
    dataSource.getRepository(FacilityRow).find({ order: { code: 'ASC' } }),
    dataSource.getRepository(PlanRow).find({ order: { slug: 'ASC' } }),
    dataSource.getRepository(OperatingSystemRow).find({ order: { slug: 'ASC' } }),
  ]);
  const metros = new Map(metroRows.map((row) => [row.code, metroView(row)]));
  return {
    metros,
    facilities: new Map(facilities.map((row) => [row.code, facilityView(row, metros)])),
    plans: new Map(plans.map((row) => [row.slug, planView(row)])),
    operatingSystems: new Map(operatingSystems.map((row) => [row.slug, operatingSystemView(row)])),
  };
}

export class ListCatalogQuery {
  constructor(readonly listing: CatalogListing) {}
}

@QueryHandler(ListCatalogQuery)
export class ListCatalogHandler implements IQueryHandler<ListCatalogQuery> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ listing }: ListCatalogQuery) {
    const catalog = await loadCatalogObjects(this.dataSource);
    const key = listing === 'operating_systems' ? 'operatingSystems' : listing;
    return { [listing]: [...catalog[key].values()] };
  }
}

/** Rows by the place they count for: their facility, or (`perMetro`) its metro; facilities with no metro drop out. */
async function byPlace<T extends { facility: string }>(
  dataSource: DataSource,
  rows: T[],
  perMetro: boolean,
): Promise<Map<string, T[]>> {
  const metroOf = perMetro
    ? new Map((await dataSource.getRepository(FacilityRow).find()).map((f) => [f.code, f.metro]))
    : undefined;
  const grouped = new Map<string, T[]>();
  for (const row of rows) {
    const place = metroOf ? metroOf.get(row.facility) : row.facility;
    if (!place) continue;
    const placeRows = grouped.get(place);
    if (placeRows) placeRows.push(row);
    else grouped.set(place, [row]);
  }
  return grouped;
}

type Counts = { total: number; held: number; reserved: number };

const capacityRows = (dataSource: DataSource) =>
  dataSource.getRepository(CapacityRow).find({ order: { facility: 'ASC', plan: 'ASC' } });

/** Every facility's (or, `perMetro`, metro's) servers per plan: totals, held and reserved, summed over the place. */
async function capacityByPlace(
  dataSource: DataSource,
  rows: CapacityRow[],
  perMetro: boolean,
): Promise<Map<string, Map<string, Counts>>> {
  const places = new Map<string, Map<string, Counts>>();
  for (const [place, placeRows] of await byPlace(dataSource, rows, perMetro)) {
    const byPlan = new Map<string, Counts>();
    for (const row of placeRows) {
      const sum = byPlan.get(row.plan) ?? { total: 0, held: 0, reserved: 0 };
      byPlan.set(row.plan, {
        total: sum.total + row.total,
        held: sum.held + row.held,
        reserved: sum.reserved + row.reserved,
      });
    }
    places.set(place, byPlan);
  }
  return places;
}

export class GetCapacityQuery {
  constructor(readonly perMetro: boolean) {}
}

/** Every facility's (or metro's) level and available servers per plan, as Metal's capacity report. */
@QueryHandler(GetCapacityQuery)
export class GetCapacityHandler implements IQueryHandler<GetCapacityQuery> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ perMetro }: GetCapacityQuery) {
    const capacity: Record<string, Record<string, { level: CapacityLevel; available: number }>> = {};
    const rows = await capacityRows(this.dataSource);
    for (const [place, byPlan] of await capacityByPlace(this.dataSource, rows, perMetro)) {
      for (const [plan, counts] of byPlan) {
        (capacity[place] ??= {})[plan] = { level: capacityLevel(counts), available: availableOf(counts) };
      }
    }
    return { capacity };
  }
}

export class CheckCapacityQuery {
  /** Each names a facility or a metro (`POST /capacity/metros`'s always a metro). */
  constructor(readonly servers: ServerQuantity[]) {}
}

/**
 * Whether each quantity of a plan is available now in its facility, or in its metro's facilities together (the
 * metro's figure in its capacity report). Each server request is answered as it came, quantity included (Metal's
 * clients send it as a string or a number, and decode it back as they sent it), with `available`.
 */
@QueryHandler(CheckCapacityQuery)
export class CheckCapacityHandler implements IQueryHandler<CheckCapacityQuery> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ servers }: CheckCapacityQuery) {
    const rows = await capacityRows(this.dataSource);
    // The metros' figures (which read the facilities' metros) only when a request names one.
    const [facilities, metros] = await Promise.all([
      capacityByPlace(this.dataSource, rows, false),
      servers.some((s) => s.metro !== undefined)
        ? capacityByPlace(this.dataSource, rows, true)
        : new Map<string, Map<string, Counts>>(),
    ]);
    return {
      servers: servers.map((s) => {
        // Each named by its code or slug, or by its object's id (Metal's `ServerInfo`).
        const [kind, given, places] =
          s.metro === undefined
            ? (['facility', s.facility!, facilities] as const)
            : (['metro', s.metro, metros] as const);
        const place = places.get(catalogCode(kind, given, places) ?? '');
        const counts = place?.get(catalogCode('plan', s.plan, place) ?? '');
        return { ...s, available: (counts ? availableOf(counts) : 0) >= Number(s.quantity) };
      }),
    };
  }
}

export class GetSpotPricesQuery {
  constructor(readonly perMetro: boolean) {}
}

/** Spot prices per facility and plan; per metro, its cheapest facility's (the price a bid there can get). */
@QueryHandler(GetSpotPricesQuery)
export class GetSpotPricesHandler implements IQueryHandler<GetSpotPricesQuery> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ perMetro }: GetSpotPricesQuery) {
    const rows = await this.dataSource.getRepository(SpotPriceRow).find({ order: { facility: 'ASC', plan: 'ASC' } });
    const groups = await byPlace(this.dataSource, rows, perMetro);
    const prices: Record<string, Record<string, { price: number }>> = {};
    for (const [place, placeRows] of groups) {
      for (const { plan, price } of placeRows) {
        const entries = (prices[place] ??= {});
        if (entries[plan] === undefined || price < entries[plan].price) entries[plan] = { price };
      }
    }
    return { spot_market_prices: prices };
  }
}
