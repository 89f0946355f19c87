import { Body, Controller, Get, HttpCode, Param, Post, Put, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CatalogSubjects, ErrorCodes, NoPayload, Subject } from '@flotilla/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { Caller, CurrentCaller } from '../auth/caller';
import { NatsRpcClient, PayloadOf, RemoteError } from '../nats-rpc.client';

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

  @Get('facilities')
  listFacilities(@CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.listFacilities, {}, caller);
  }

  @Get('plans')
  listPlans(@CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.listPlans, {}, caller);
  }

  @Get('operating-systems')
  listOperatingSystems(@CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.listOperatingSystems, {}, caller);
  }

  @Get('facilities/:id')
  getFacility(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.entry(CatalogSubjects.listFacilities, 'facilities', id, caller);
  }

  @Get('plans/:id')
  getPlan(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.entry(CatalogSubjects.listPlans, 'plans', id, caller);
  }

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

  @Get('capacity')
  getCapacity(@CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.getCapacity, {}, caller);
  }

  @Post('capacity')
  @HttpCode(200)
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        servers: { type: 'array', items: { type: 'object', properties: { facility: {}, plan: {}, quantity: {} } } },
      },
    },
  })
  checkCapacity(@Body() body: Body, @CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.checkCapacity, { servers: body?.servers }, caller);
  }

  @Get('market/spot/prices')
  getSpotPrices(@CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.getSpotPrices, {}, caller);
  }

  @Get('capacity/metros')
  getCapacityPerMetro(@CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.getCapacity, { perMetro: true }, caller);
  }

  @Get('market/spot/prices/metros')
  getSpotPricesPerMetro(@CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.getSpotPrices, { perMetro: true }, caller);
  }

  @Get('locations/metros')
  listMetros(@CurrentCaller() caller: Caller) {
    return this.rpc.call(CatalogSubjects.listMetros, {}, caller);
  }

  @Get('locations/metros/:id')
  getMetro(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.entry(CatalogSubjects.listMetros, 'metros', id, caller);
  }

  @Put('locations/metros/:code')
  defineMetro(
    @Param('code') code: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: Response,
  ) {
    const metro = { code, name: body?.name, country: body?.country };
    return this.define(CatalogSubjects.defineMetro, metro, caller, response);
  }

  @Post('facilities')
  defineFacility(@Body() body: Body, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) response: Response) {
    const facility = { code: body?.code, name: body?.name, metro: body?.metro ?? undefined };
    return this.define(CatalogSubjects.defineFacility, facility, caller, response);
  }

  @Put('facilities/:code')
  updateFacility(
    @Param('code') code: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: Response,
  ) {
    const facility = { code, name: body?.name, metro: body?.metro ?? undefined };
    return this.define(CatalogSubjects.defineFacility, facility, caller, response);
  }

  @Post('plans')
  definePlan(@Body() body: Body, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) response: Response) {
    return this.define(
      CatalogSubjects.definePlan,
      { slug: body?.slug, name: body?.name, architecture: body?.architecture },
      caller,
      response,
    );
  }

  @Put('plans/:slug')
  updatePlan(
    @Param('slug') slug: string,
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

  @Put('operating-systems/:slug')
  updateOperatingSystem(
    @Param('slug') slug: string,
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

  @Put('capacity/:facility/:plan')
  @ApiBody({ schema: { type: 'object', required: ['total'], properties: { total: { type: 'integer', minimum: 0 } } } })
  setCapacity(
    @Param('facility') facility: string,
    @Param('plan') plan: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
  ) {
    rootOnly(caller);
    return this.rpc.call(CatalogSubjects.setCapacity, { facility, plan, total: body?.total }, caller);
  }

  @Put('market/spot/prices/:facility/:plan')
  @ApiBody({ schema: { type: 'object', required: ['price'], properties: { price: { type: 'number', minimum: 0 } } } })
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
