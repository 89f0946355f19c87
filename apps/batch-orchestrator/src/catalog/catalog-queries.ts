import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { CapacityLevel, ServerQuantity } from '@flotilla/contracts';
import { CapacityRow, FacilityRow, OperatingSystemRow, PlanRow, SpotPriceRow } from '@flotilla/batch-read-model';
import { availableOf, capacityLevel, facilityView, operatingSystemView, planView } from './catalog-views';

export type CatalogListing = 'facilities' | 'plans' | 'operating_systems';

export class ListCatalogQuery {
  constructor(readonly listing: CatalogListing) {}
}

@QueryHandler(ListCatalogQuery)
export class ListCatalogHandler implements IQueryHandler<ListCatalogQuery> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ listing }: ListCatalogQuery) {
    switch (listing) {
      case 'facilities': {
        const rows = await this.dataSource.getRepository(FacilityRow).find({ order: { code: 'ASC' } });
        return { facilities: rows.map(facilityView) };
      }
      case 'plans': {
        const rows = await this.dataSource.getRepository(PlanRow).find({ order: { slug: 'ASC' } });
        return { plans: rows.map(planView) };
      }
      case 'operating_systems': {
        const rows = await this.dataSource.getRepository(OperatingSystemRow).find({ order: { slug: 'ASC' } });
        return { operating_systems: rows.map(operatingSystemView) };
      }
    }
  }
}

export class GetCapacityQuery {}

@QueryHandler(GetCapacityQuery)
export class GetCapacityHandler implements IQueryHandler<GetCapacityQuery> {
  constructor(private readonly dataSource: DataSource) {}

  async execute() {
    const capacity: Record<string, Record<string, { level: CapacityLevel; available: number }>> = {};
    for (const row of await this.dataSource
      .getRepository(CapacityRow)
      .find({ order: { facility: 'ASC', plan: 'ASC' } })) {
      (capacity[row.facility] ??= {})[row.plan] = { level: capacityLevel(row), available: availableOf(row) };
    }
    return { capacity };
  }
}

export class CheckCapacityQuery {
  constructor(readonly servers: ServerQuantity[]) {}
}

/** POST /capacity: could each (facility, plan, quantity) be deployed right now? */
@QueryHandler(CheckCapacityQuery)
export class CheckCapacityHandler implements IQueryHandler<CheckCapacityQuery> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ servers }: CheckCapacityQuery) {
    const rows = await this.dataSource.getRepository(CapacityRow).find();
    const available = new Map(rows.map((row) => [`${row.facility}/${row.plan}`, availableOf(row)]));
    return {
      servers: servers.map((s) => ({
        ...s,
        available: (available.get(`${s.facility.toLowerCase()}/${s.plan.toLowerCase()}`) ?? 0) >= s.quantity,
      })),
    };
  }
}

export class GetSpotPricesQuery {}

@QueryHandler(GetSpotPricesQuery)
export class GetSpotPricesHandler implements IQueryHandler<GetSpotPricesQuery> {
  constructor(private readonly dataSource: DataSource) {}

  async execute() {
    const prices: Record<string, Record<string, { price: number }>> = {};
    for (const row of await this.dataSource
      .getRepository(SpotPriceRow)
      .find({ order: { facility: 'ASC', plan: 'ASC' } })) {
      (prices[row.facility] ??= {})[row.plan] = { price: row.price };
    }
    return { spot_market_prices: prices };
  }
}
