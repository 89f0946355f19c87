import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { Doc } from '../openapi/api-doc';
import type { Response } from 'express';
import { CatalogSubjects, ErrorCodes, NoPayload, Subject } from '@flotilla/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { Caller, CurrentCaller } from '../auth/caller';
import { NatsRpcClient, PayloadOf, RemoteError } from '../nats-rpc.client';
import { ApiPlanFilters, ApiSpotPriceFilters, planFilter, spotPriceFilter } from './catalog-filters';

type Body = Record<string, unknown> | undefined;
type CatalogEntry = { id: string; code?: string; slug?: string };

function rootOnly(caller: Caller): void {
  if (caller.organizationId)
    throw new RemoteError({ code: ErrorCodes.forbidden, message: 'only the root token can change the catalog' });
}

/**
 * Facilities, plans, operating systems, capacity and spot prices: read by anyone signed in, changed by the root token.
 */
@ApiTags('catalog')
@ApiHeader({ name: 'X-Auth-Token', required: true })
@Controller()
@UseGuards(AuthGuard)
export class CatalogController {
  constructor(private readonly rpc: NatsRpcClient) {}

  @Doc('Every facility', 'FacilityList')
  @Get('facilities')
  listFacilities(@CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.listFacilities, {}, caller);
  }

  @Doc('Every plan, or those of a type or slug', 'PlanList')
  @ApiPlanFilters()
  @Get('plans')
  async listPlans(@Query() query: Record<string, unknown>, @CurrentCaller() caller: Caller) {
    const wanted = planFilter(query);
    const { plans } = await this.rpc.call(CatalogSubjects.listPlans, {}, caller);
    return { plans: plans.filter(wanted) };
  }

  @Doc('Every operating system', 'OperatingSystemList')
  @Get('operating-systems')
  listOperatingSystems(@CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.listOperatingSystems, {}, caller);
  }

  @Doc('A facility by id or code', 'Facility')
  @Get('facilities/:id')
  getFacility(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.entry(CatalogSubjects.listFacilities, 'facilities', id, caller);
  }

  @Doc('A plan by id or slug', 'Plan')
  @Get('plans/:id')
  getPlan(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.entry(CatalogSubjects.listPlans, 'plans', id, caller);
  }

  @Doc('An operating system by id or slug', 'OperatingSystem')
  @Get('operating-systems/:id')
  getOperatingSystem(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.entry(CatalogSubjects.listOperatingSystems, 'operating_systems', id, caller);
  }

  /** One entry of a catalog listing (the catalog is small), by its id or its code or slug: what `href`s point at. */
  private async entry(
    subject: Subject<NoPayload, Record<string, CatalogEntry[]>>,
    listing: string,
    id: string,
    caller: Caller,
  ) {
    const all = await this.rpc.call(subject, {}, caller);
    const found = all[listing].find((e) => e.id === id || e.code === id || e.slug === id);
    if (!found) throw new RemoteError({ code: ErrorCodes.notFound, message: `${listing.replace('_', ' ')} not found` });
    return found;
  }

  @Doc('Capacity levels per facility and plan', 'CapacityReport')
  @Get('capacity')
  getCapacity(@CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.getCapacity, {}, caller);
  }

  @Doc('Whether each quantity could be deployed now', 'CapacityAnswer', 'CapacityCheck')
  @Post('capacity')
  @HttpCode(200)
  checkCapacity(@Body() body: Body, @CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.checkCapacity, { servers: body?.servers }, caller);
  }

  @Doc('Spot prices per facility and plan, or of one facility or plan', 'SpotPrices')
  @ApiSpotPriceFilters('facility')
  @Get('market/spot/prices')
  async getSpotPrices(@Query() query: Record<string, unknown>, @CurrentCaller() caller: Caller) {
    const wanted = spotPriceFilter(query, 'facility');
    const report = await this.rpc.call(CatalogSubjects.getSpotPrices, {}, caller);
    return { spot_market_prices: wanted(report.spot_market_prices) };
  }

  @Doc('Capacity levels per metro and plan', 'CapacityReport')
  @Get('capacity/metros')
  getCapacityPerMetro(@CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.getCapacity, { perMetro: true }, caller);
  }

  @Doc(
    "Whether each quantity is available in its metro's facilities together",
    'MetroCapacityAnswer',
    'MetroCapacityCheck',
  )
  @Post('capacity/metros')
  @HttpCode(200)
  checkMetroCapacity(@Body() body: Body, @CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.checkMetroCapacity, { servers: body?.servers }, caller);
  }

  @Doc("Spot prices per metro and plan (its cheapest facility's), or of one metro or plan", 'SpotPrices')
  @ApiSpotPriceFilters('metro')
  @Get('market/spot/prices/metros')
  async getSpotPricesPerMetro(@Query() query: Record<string, unknown>, @CurrentCaller() caller: Caller) {
    const wanted = spotPriceFilter(query, 'metro');
    const report = await this.rpc.call(CatalogSubjects.getSpotPrices, { perMetro: true }, caller);
    return { spot_market_prices: wanted(report.spot_market_prices) };
  }

  @Doc('Every metro', 'MetroList')
  @Get('locations/metros')
  listMetros(@CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.listMetros, {}, caller);
  }

  @Doc('A metro by id or code', 'Metro')
  @Get('locations/metros/:id')
  getMetro(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.entry(CatalogSubjects.listMetros, 'metros', id, caller);
  }

  @Doc(
    'Define a metro (201) or rename it (200); root token',
    { status: [201, 200], schema: 'MetroDefinition' },
    'MetroInput',
  )
  @Put('locations/metros/:id')
  defineMetro(
    @Param('id') code: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: Response,
  ) {
    const metro = { code, name: body?.name, country: body?.country };
    return this.define(CatalogSubjects.defineMetro, metro, caller, response);
  }

  @Doc(
    'Define a facility (201) or change it (200); root token',
    { status: [201, 200], schema: 'FacilityDefinition' },
    'FacilityDefinition',
  )
  @Post('facilities')
  defineFacility(@Body() body: Body, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) response: Response) {
    const facility = { code: body?.code, name: body?.name, metro: body?.metro ?? undefined };
    return this.define(CatalogSubjects.defineFacility, facility, caller, response);
  }

  @Doc(
    'Define a facility by its code (201) or change it (200); root token',
    { status: [201, 200], schema: 'FacilityDefinition' },
    'FacilityDefinition',
  )
  @Put('facilities/:id')
  updateFacility(
    @Param('id') code: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: Response,
  ) {
    const facility = { code, name: body?.name, metro: body?.metro ?? undefined };
    return this.define(CatalogSubjects.defineFacility, facility, caller, response);
  }

  @Doc(
    'Define a plan (201) or change it (200); root token',
    { status: [201, 200], schema: 'PlanDefinition' },
    'PlanDefinition',
  )
  @Post('plans')
  definePlan(@Body() body: Body, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) response: Response) {
    return this.define(
      CatalogSubjects.definePlan,
      { slug: body?.slug, name: body?.name, architecture: body?.architecture },
      caller,
      response,
    );
  }

  @Doc(
    'Define a plan by its slug (201) or change it (200); root token',
    { status: [201, 200], schema: 'PlanDefinition' },
    'PlanDefinition',
  )
  @Put('plans/:id')
  updatePlan(
    @Param('id') slug: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.define(
      CatalogSubjects.definePlan,
      { slug, name: body?.name, architecture: body?.architecture },
      caller,
      response,
    );
  }

  @Doc(
    'Define an operating system (201) or change it (200); root token',
    { status: [201, 200], schema: 'OperatingSystemDefinition' },
    'OperatingSystemDefinition',
  )
  @Post('operating-systems')
  defineOperatingSystem(
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.define(
      CatalogSubjects.defineOperatingSystem,
      { slug: body?.slug, name: body?.name, provisionable_on: body?.provisionable_on },
      caller,
      response,
    );
  }

  @Doc(
    'Define an operating system by its slug (201) or change it (200); root token',
    { status: [201, 200], schema: 'OperatingSystemDefinition' },
    'OperatingSystemDefinition',
  )
  @Put('operating-systems/:id')
  updateOperatingSystem(
    @Param('id') slug: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: Response,
  ) {
    return this.define(
      CatalogSubjects.defineOperatingSystem,
      { slug, name: body?.name, provisionable_on: body?.provisionable_on },
      caller,
      response,
    );
  }

  @Doc('Set the servers of a plan in a facility (never below those in use); root token', 'CapacitySet', 'CapacityTotal')
  @Put('capacity/:facility/:plan')
  setCapacity(
    @Param('facility') facility: string,
    @Param('plan') plan: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
  ) {
    rootOnly(caller);
    return this.rpc.call(CatalogSubjects.setCapacity, { facility, plan, total: body?.total }, caller);
  }

  @Doc('Set the spot price of a plan in a facility; root token', 'SpotPriceSet', 'SpotPrice')
  @Put('market/spot/prices/:facility/:plan')
  async setSpotPrice(
    @Param('facility') facility: string,
    @Param('plan') plan: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
  ) {
    rootOnly(caller);
    await this.rpc.call(CatalogSubjects.setSpotPrice, { facility, plan, price: body?.price }, caller);
    return { facility: facility.toLowerCase(), plan: plan.toLowerCase(), price: body?.price };
  }

  /** 201 for a new definition, 200 for a changed one; the body is the definition as stored. */
  private async define<S extends Subject<unknown, { created: boolean }>>(
    subject: S,
    definition: PayloadOf<S>,
    caller: Caller,
    response: Response,
  ) {
    rootOnly(caller);
    const { created } = await this.rpc.call(subject, definition, caller);
    response.status(created ? 201 : 200);
    return definition;
  }
}
