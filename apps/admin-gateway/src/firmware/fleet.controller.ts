import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { Doc } from '../openapi/api-doc';
import { ErrorCodes, OrganizationRequest, Subject, UpdateSubjects } from '@flotilla/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { Caller, CurrentCaller } from '../auth/caller';
import { NatsRpcClient, PayloadOf, RemoteError } from '../nats-rpc.client';
import { ApiPaging, paging } from '../paging';
import { ApiIdempotencyKey, IdempotencyKey } from '../idempotency-key';

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

  @Doc('Create a product', { status: 201, schema: 'ProductAnswer' }, 'ProductInput')
  @Post()
  @HttpCode(201)
  @ApiIdempotencyKey("the first request's product")
  createProduct(
    @Param('org', org) organizationId: string,
    @Body() body: Body,
    @IdempotencyKey() commandId: string | undefined,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.createProduct, caller, { organizationId, body, commandId });
  }

  @Doc("The organization's products", 'ProductList')
  @Get()
  @ApiPaging()
  listProducts(
    @Param('org', org) organizationId: string,
    @Query('page') page: string | undefined,
    @Query('per_page') perPage: string | undefined,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.listProducts, caller, { organizationId, ...paging(page, perPage) });
  }

  @Doc('A product', 'ProductAnswer')
  @Get(':product')
  getProduct(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.getProduct, caller, { organizationId, product });
  }

  @Doc('Create a firmware of the product', { status: 201, schema: 'FirmwareAnswer' }, 'FirmwareInput')
  @Post(':product/firmwares')
  @HttpCode(201)
  @ApiIdempotencyKey("the first request's firmware")
  createFirmware(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Body() body: Body,
    @IdempotencyKey() commandId: string | undefined,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.createFirmware, caller, { organizationId, product, body, commandId });
  }

  @Doc("A product's firmwares", 'FirmwareList')
  @Get(':product/firmwares')
  @ApiPaging()
  listFirmwares(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Query('page') page: string | undefined,
    @Query('per_page') perPage: string | undefined,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.listFirmwares, caller, { organizationId, product, ...paging(page, perPage) });
  }

  @Doc('A firmware by uuid', 'FirmwareAnswer')
  @Get(':product/firmwares/:uuid')
  getFirmware(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('uuid') uuid: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.getFirmware, caller, { organizationId, product, uuid });
  }

  @Doc(
    'Create a deployment (a bad version requirement is a 422)',
    { status: 201, schema: 'DeploymentAnswer' },
    'DeploymentInput',
  )
  @Post(':product/deployments')
  @HttpCode(201)
  @ApiIdempotencyKey("the first request's deployment")
  createDeployment(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Body() body: Body,
    @IdempotencyKey() commandId: string | undefined,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.createDeployment, caller, { organizationId, product, body, commandId });
  }

  @Doc("A product's deployments", 'DeploymentList')
  @Get(':product/deployments')
  @ApiPaging()
  listDeployments(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Query('page') page: string | undefined,
    @Query('per_page') perPage: string | undefined,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.listDeployments, caller, { organizationId, product, ...paging(page, perPage) });
  }

  @Doc('A deployment by name', 'DeploymentAnswer')
  @Get(':product/deployments/:name')
  getDeployment(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('name') name: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.getDeployment, caller, { organizationId, product, name });
  }

  @Doc('Change a deployment (firmware, conditions, rules, is_active)', 'DeploymentAnswer', 'DeploymentInput')
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

  @Doc('Delete a deployment', { status: 204 })
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

  @Doc('Quarantine a deployment', 'DeploymentAnswer')
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

  @Doc("Lift a deployment's quarantine; its counts start again", 'DeploymentAnswer')
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

  @Doc("A deployment's attempts and failures against its rules", 'DeploymentHealth')
  @Get(':product/deployments/:name/health')
  deploymentHealth(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('name') name: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.deploymentHealth, caller, { organizationId, product, name });
  }

  @Doc(
    'Register a device; its credential is shown once',
    { status: 201, schema: 'UpdateDeviceWithCredential' },
    'UpdateDeviceInput',
  )
  @Post(':product/devices')
  @HttpCode(201)
  @ApiIdempotencyKey("the first request's device and credential")
  registerDevice(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Body() body: Body,
    @IdempotencyKey() commandId: string | undefined,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.registerDevice, caller, { organizationId, product, body, commandId });
  }

  @Doc("A product's devices", 'UpdateDeviceList')
  @Get(':product/devices')
  @ApiPaging()
  listDevices(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Query('page') page: string | undefined,
    @Query('per_page') perPage: string | undefined,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.listDevices, caller, { organizationId, product, ...paging(page, perPage) });
  }

  @Doc('A device by identifier', 'UpdateDeviceAnswer')
  @Get(':product/devices/:identifier')
  getDevice(
    @Param('org', org) organizationId: string,
    @Param('product') product: string,
    @Param('identifier') identifier: string,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send(UpdateSubjects.getDevice, caller, { organizationId, product, identifier });
  }

  @Doc("Change a device's tags", 'UpdateDeviceAnswer', 'UpdateDeviceInput')
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

  @Doc('Quarantine a device', 'UpdateDeviceAnswer')
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

  @Doc("Lift a device's quarantine", 'UpdateDeviceAnswer')
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

  @Doc('Issue the device a new credential (shown once; the old one stops working)', 'UpdateDeviceWithCredential')
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

  @Doc("A provisioned server's first credential, handed out once (409 after)", 'UpdateDeviceWithCredential')
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

  @Doc('Why the device is (not) offered each deployment', 'UpdateExplanation')
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
