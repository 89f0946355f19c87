import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CatalogReportRequest,
  CatalogSubjects,
  CheckCapacityRequest,
  DefineFacilityRequest,
  DefineMetroRequest,
  DefineOperatingSystemRequest,
  DefinePlanRequest,
  ServiceNames,
  SetCapacityRequest,
  SetSpotPriceRequest,
} from '@flotilla/contracts';
import { Meta, RequestMeta, RpcErrorFilter, RpcValidationPipe } from '@flotilla/nest-platform';
import { ChangeCatalogCommand, SetCapacityCommand } from './catalog-commands';
import { CheckCapacityQuery, GetCapacityQuery, GetSpotPricesQuery, ListCatalogQuery } from './catalog-queries';

const queue = { queue: ServiceNames.batchOrchestrator };

/** Catalog commands and queries over NATS (subjects in @flotilla/contracts). */
@Controller()
@UseFilters(RpcErrorFilter)
@UsePipes(RpcValidationPipe)
export class CatalogMessagesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @MessagePattern(CatalogSubjects.defineMetro, queue)
  defineMetro(@Payload() { code, name, country }: DefineMetroRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(
      new ChangeCatalogCommand({ type: 'DefineMetro', metro: { code, name, country } }, meta),
    );
  }

  @MessagePattern(CatalogSubjects.defineFacility, queue)
  defineFacility(@Payload() { code, name, metro }: DefineFacilityRequest, @Meta() meta: RequestMeta) {
    const facility = { code, name, ...(metro ? { metro: metro.toLowerCase() } : {}) };
    return this.commands.execute(new ChangeCatalogCommand({ type: 'DefineFacility', facility }, meta));
  }

  @MessagePattern(CatalogSubjects.definePlan, queue)
  definePlan(@Payload() { slug, name, architecture }: DefinePlanRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(
      new ChangeCatalogCommand({ type: 'DefinePlan', plan: { slug, name, architecture } }, meta),
    );
  }

  @MessagePattern(CatalogSubjects.defineOperatingSystem, queue)
  defineOperatingSystem(@Payload() request: DefineOperatingSystemRequest, @Meta() meta: RequestMeta) {
    const operatingSystem = {
      slug: request.slug,
      name: request.name,
      provisionableOn: request.provisionable_on.map((p) => p.toLowerCase()),
    };
    return this.commands.execute(new ChangeCatalogCommand({ type: 'DefineOperatingSystem', operatingSystem }, meta));
  }

  @MessagePattern(CatalogSubjects.setSpotPrice, queue)
  setSpotPrice(@Payload() { facility, plan, price }: SetSpotPriceRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(
      new ChangeCatalogCommand(
        { type: 'SetSpotPrice', facility: facility.toLowerCase(), plan: plan.toLowerCase(), price },
        meta,
      ),
    );
  }

  @MessagePattern(CatalogSubjects.setCapacity, queue)
  async setCapacity(@Payload() { facility, plan, total }: SetCapacityRequest, @Meta() meta: RequestMeta) {
    await this.commands.execute(new SetCapacityCommand(facility.toLowerCase(), plan.toLowerCase(), total, meta));
    return { facility: facility.toLowerCase(), plan: plan.toLowerCase(), total };
  }

  @MessagePattern(CatalogSubjects.listMetros, queue)
  listMetros() {
    return this.queries.execute(new ListCatalogQuery('metros'));
  }

  @MessagePattern(CatalogSubjects.listFacilities, queue)
  listFacilities() {
    return this.queries.execute(new ListCatalogQuery('facilities'));
  }

  @MessagePattern(CatalogSubjects.listPlans, queue)
  listPlans() {
    return this.queries.execute(new ListCatalogQuery('plans'));
  }

  @MessagePattern(CatalogSubjects.listOperatingSystems, queue)
  listOperatingSystems() {
    return this.queries.execute(new ListCatalogQuery('operating_systems'));
  }

  @MessagePattern(CatalogSubjects.getCapacity, queue)
  getCapacity(@Payload() request: CatalogReportRequest) {
    return this.queries.execute(new GetCapacityQuery(request.perMetro ?? false));
  }

  @MessagePattern(CatalogSubjects.checkCapacity, queue)
  checkCapacity(@Payload() request: CheckCapacityRequest) {
    return this.queries.execute(new CheckCapacityQuery(request.servers));
  }

  @MessagePattern(CatalogSubjects.getSpotPrices, queue)
  getSpotPrices(@Payload() request: CatalogReportRequest) {
    return this.queries.execute(new GetSpotPricesQuery(request.perMetro ?? false));
  }
}
