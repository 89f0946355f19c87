import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { Payload } from '@nestjs/microservices';
import {
  CatalogReportRequest,
  CatalogSubjects,
  CheckCapacityRequest,
  CheckMetroCapacityRequest,
  DefineFacilityRequest,
  DefineMetroRequest,
  DefineOperatingSystemRequest,
  DefinePlanRequest,
  SetCapacityRequest,
  SetSpotPriceRequest,
} from '@flotilla/contracts';
import { Meta, Handles, RequestMeta, RpcErrorFilter, RpcValidationPipe } from '@flotilla/nest-platform';
import { ChangeCatalogCommand, SetCapacityCommand } from './catalog-commands';
import { CheckCapacityQuery, GetCapacityQuery, GetSpotPricesQuery, ListCatalogQuery } from './catalog-queries';

/** Catalog commands and queries over NATS (subjects in @flotilla/contracts). */
@Controller()
@UseFilters(RpcErrorFilter)
@UsePipes(RpcValidationPipe)
export class CatalogMessagesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Handles(CatalogSubjects.defineMetro)
  defineMetro(@Payload() { code, name, country }: DefineMetroRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(
      new ChangeCatalogCommand({ type: 'DefineMetro', metro: { code, name, country } }, meta),
    );
  }

  @Handles(CatalogSubjects.defineFacility)
  defineFacility(@Payload() { code, name, metro }: DefineFacilityRequest, @Meta() meta: RequestMeta) {
    const facility = { code, name, ...(metro ? { metro: metro.toLowerCase() } : {}) };
    return this.commands.execute(new ChangeCatalogCommand({ type: 'DefineFacility', facility }, meta));
  }

  @Handles(CatalogSubjects.definePlan)
  definePlan(@Payload() { slug, name, architecture }: DefinePlanRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(
      new ChangeCatalogCommand({ type: 'DefinePlan', plan: { slug, name, architecture } }, meta),
    );
  }

  @Handles(CatalogSubjects.defineOperatingSystem)
  defineOperatingSystem(@Payload() request: DefineOperatingSystemRequest, @Meta() meta: RequestMeta) {
    const operatingSystem = {
      slug: request.slug,
      name: request.name,
      provisionableOn: request.provisionable_on.map((p) => p.toLowerCase()),
    };
    return this.commands.execute(new ChangeCatalogCommand({ type: 'DefineOperatingSystem', operatingSystem }, meta));
  }

  @Handles(CatalogSubjects.setSpotPrice)
  setSpotPrice(@Payload() { facility, plan, price }: SetSpotPriceRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(
      new ChangeCatalogCommand(
        { type: 'SetSpotPrice', facility: facility.toLowerCase(), plan: plan.toLowerCase(), price },
        meta,
      ),
    );
  }

  @Handles(CatalogSubjects.setCapacity)
  async setCapacity(@Payload() { facility, plan, total }: SetCapacityRequest, @Meta() meta: RequestMeta) {
    await this.commands.execute(new SetCapacityCommand(facility.toLowerCase(), plan.toLowerCase(), total, meta));
    return { facility: facility.toLowerCase(), plan: plan.toLowerCase(), total };
  }

  @Handles(CatalogSubjects.listMetros)
  listMetros() {
    return this.queries.execute(new ListCatalogQuery('metros'));
  }

  @Handles(CatalogSubjects.listFacilities)
  listFacilities() {
    return this.queries.execute(new ListCatalogQuery('facilities'));
  }

  @Handles(CatalogSubjects.listPlans)
  listPlans() {
    return this.queries.execute(new ListCatalogQuery('plans'));
  }

  @Handles(CatalogSubjects.listOperatingSystems)
  listOperatingSystems() {
    return this.queries.execute(new ListCatalogQuery('operating_systems'));
  }

  @Handles(CatalogSubjects.getCapacity)
  getCapacity(@Payload() request: CatalogReportRequest) {
    return this.queries.execute(new GetCapacityQuery(request.perMetro ?? false));
  }

  @Handles(CatalogSubjects.checkCapacity)
  checkCapacity(@Payload() request: CheckCapacityRequest) {
    return this.queries.execute(new CheckCapacityQuery(request.servers));
  }

  @Handles(CatalogSubjects.checkMetroCapacity)
  checkMetroCapacity(@Payload() request: CheckMetroCapacityRequest) {
    return this.queries.execute(new CheckCapacityQuery(request.servers));
  }

  @Handles(CatalogSubjects.getSpotPrices)
  getSpotPrices(@Payload() request: CatalogReportRequest) {
    return this.queries.execute(new GetSpotPricesQuery(request.perMetro ?? false));
  }
}
