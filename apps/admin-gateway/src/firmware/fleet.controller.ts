import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { ErrorCodes, OrganizationRequest, Subject, UpdateSubjects } from '@flotilla/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { Caller, CurrentCaller } from '../auth/caller';
import { NatsRpcClient, PayloadOf, RemoteError } from '../nats-rpc.client';

const org = new ParseUUIDPipe({
  exceptionFactory: () => new RemoteError({ code: ErrorCodes.notFound, message: 'organization not found' }),
});
type Body = Record<string, unknown> | undefined;

/** Products, firmwares, deployments and devices on Peridio's legacy routes (firmware-deployments.md §6). */
@ApiTags('firmware')
@ApiHeader({ name: 'X-Auth-Token', required: true })
@Controller('orgs/:org/products')
@UseGuards(AuthGuard)
export class FleetController {
  constructor(private readonly rpc: NatsRpcClient) {}

  /** Sends the route's request as the resolver declares it (its class in @flotilla/contracts). */
  private send<S extends Subject<OrganizationRequest>>(subject: S, caller: Caller, request: PayloadOf<S>) {
    return this.rpc.call(subject, request, caller);
  }

  @Post()
  @HttpCode(201)
  createProduct(@Param('org', org) organizationId: string, @Body() body: Body, @CurrentCaller() caller: Caller) {
    return this.send(UpdateSubjects.createProduct, caller, { organizationId, body });
  }

  @Get()
  listProducts(@Param('org', org) organizationId: string, @CurrentCaller() caller: Caller) {
    return this.send(UpdateSubjects.listProducts, caller, { organizationId });
  }

  @Get(':product')
  getProduct(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.getProduct, caller, { organizationId, product });
  }

  @Post(':product/firmwares')
  @HttpCode(201)
  createFirmware(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.createFirmware, caller, { organizationId, product, body });
  }

  @Get(':product/firmwares')
  listFirmwares(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.listFirmwares, caller, { organizationId, product });
  }

  @Get(':product/firmwares/:uuid')
  getFirmware(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('uuid') uuid: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.getFirmware, caller, { organizationId, product, uuid });
  }

  @Post(':product/deployments')
  @HttpCode(201)
  createDeployment(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.createDeployment, caller, {
      organizationId,
      product,
      body,
    });
  }

  @Get(':product/deployments')
  listDeployments(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.listDeployments, caller, { organizationId, product });
  }

  @Get(':product/deployments/:name')
  getDeployment(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('name') name: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.getDeployment, caller, { organizationId, product, name });
  }

  @Put(':product/deployments/:name')
  updateDeployment(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('name') name: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.updateDeployment, caller, {
      organizationId,
      product,
      name,
      body,
    });
  }

  @Delete(':product/deployments/:name')
  @HttpCode(204)
  async deleteDeployment(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('name') name: string,
    @CurrentCaller() caller: Caller,
  ) {
    await this.send(UpdateSubjects.deleteDeployment, caller, { organizationId, product, name });
  }

  @Post(':product/deployments/:name/quarantine')
  @HttpCode(200)
  quarantineDeployment(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('name') name: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.quarantineDeployment, caller, { organizationId, product, name });
  }

  @Post(':product/deployments/:name/unquarantine')
  @HttpCode(200)
  unquarantineDeployment(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('name') name: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.unquarantineDeployment, caller, {
      organizationId,
      product,
      name,
    });
  }

  @Get(':product/deployments/:name/health')
  deploymentHealth(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('name') name: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.deploymentHealth, caller, { organizationId, product, name });
  }

  @Post(':product/devices')
  @HttpCode(201)
  registerDevice(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.registerDevice, caller, { organizationId, product, body });
  }

  @Get(':product/devices')
  listDevices(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.listDevices, caller, { organizationId, product });
  }

  @Get(':product/devices/:identifier')
  getDevice(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('identifier') identifier: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.getDevice, caller, { organizationId, product, identifier });
  }

  @Put(':product/devices/:identifier')
  updateDevice(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('identifier') identifier: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.updateDevice, caller, {
      organizationId,
      product,
      identifier,
      body,
    });
  }

  @Post(':product/devices/:identifier/quarantine')
  @HttpCode(200)
  quarantineDevice(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('identifier') identifier: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.quarantineDevice, caller, {
      organizationId,
      product,
      identifier,
    });
  }

  @Post(':product/devices/:identifier/unquarantine')
  @HttpCode(200)
  unquarantineDevice(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('identifier') identifier: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.unquarantineDevice, caller, {
      organizationId,
      product,
      identifier,
    });
  }

  @Post(':product/devices/:identifier/credential')
  @HttpCode(200)
  rotateCredential(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('identifier') identifier: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.rotateCredential, caller, {
      organizationId,
      product,
      identifier,
    });
  }

  @Get(':product/devices/:identifier/credential')
  fetchCredential(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('identifier') identifier: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.fetchCredential, caller, {
      organizationId,
      product,
      identifier,
    });
  }

  @Get(':product/devices/:identifier/update-explanation')
  explain(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('identifier') identifier: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.explainUpdate, caller, {
      organizationId,
      product,
      identifier,
    });
  }
}
