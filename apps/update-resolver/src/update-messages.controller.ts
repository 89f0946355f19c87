import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreateInProductRequest,
  CreateProductRequest,
  DeploymentRequest,
  FirmwareRequest,
  OrganizationRequest,
  ProductDeviceRequest,
  ProductRequest,
  ResolveRequest,
  ServiceNames,
  UpdateDeploymentRequest,
  UpdateProductDeviceRequest,
  UpdateSubjects,
} from '@flotilla/contracts';
import { Meta, RequestMeta, RpcErrorFilter, RpcValidationPipe } from '@flotilla/nest-platform';
import {
  CreateDeploymentCommand,
  DeleteDeploymentCommand,
  QuarantineDeploymentCommand,
  UnquarantineDeploymentCommand,
  UpdateDeploymentCommand,
} from './admin/deployment-commands';
import {
  ChangeDeviceTagsCommand,
  FetchCredentialCommand,
  QuarantineDeviceCommand,
  RegisterDeviceCommand,
  RotateCredentialCommand,
  UnquarantineDeviceCommand,
} from './admin/device-commands';
import { CreateFirmwareCommand } from './admin/firmware-commands';
import { FleetQueries } from './admin/fleet-queries';
import { CreateProductCommand } from './admin/product-commands';
import { ResolveUpdateCommand } from './device-api/resolve-update';

const queue = { queue: ServiceNames.updateResolver };

/** The device check and the admin commands and queries over NATS (subjects in @flotilla/contracts). */
@Controller()
@UseFilters(RpcErrorFilter)
@UsePipes(RpcValidationPipe)
export class UpdateMessagesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: FleetQueries,
  ) {}

  @MessagePattern(UpdateSubjects.resolve, queue)
  resolve(@Payload() request: ResolveRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new ResolveUpdateCommand(request, meta));
  }

  @MessagePattern(UpdateSubjects.createProduct, queue)
  createProduct(@Payload() r: CreateProductRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new CreateProductCommand(r, meta));
  }

  @MessagePattern(UpdateSubjects.listProducts, queue)
  listProducts(@Payload() r: OrganizationRequest, @Meta() meta: RequestMeta) {
    return this.queries.listProducts(meta, r.organizationId);
  }

  @MessagePattern(UpdateSubjects.getProduct, queue)
  getProduct(@Payload() r: ProductRequest, @Meta() meta: RequestMeta) {
    return this.queries.product(meta, r.organizationId, r.product);
  }

  @MessagePattern(UpdateSubjects.createFirmware, queue)
  createFirmware(@Payload() r: CreateInProductRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new CreateFirmwareCommand(r, meta));
  }

  @MessagePattern(UpdateSubjects.listFirmwares, queue)
  listFirmwares(@Payload() r: ProductRequest, @Meta() meta: RequestMeta) {
    return this.queries.listFirmwares(meta, r.organizationId, r.product);
  }

  @MessagePattern(UpdateSubjects.getFirmware, queue)
  getFirmware(@Payload() r: FirmwareRequest, @Meta() meta: RequestMeta) {
    return this.queries.firmware(meta, r.organizationId, r.product, r.uuid);
  }

  @MessagePattern(UpdateSubjects.createDeployment, queue)
  createDeployment(@Payload() r: CreateInProductRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new CreateDeploymentCommand(r, meta));
  }

  @MessagePattern(UpdateSubjects.listDeployments, queue)
  listDeployments(@Payload() r: ProductRequest, @Meta() meta: RequestMeta) {
    return this.queries.listDeployments(meta, r.organizationId, r.product);
  }

  @MessagePattern(UpdateSubjects.getDeployment, queue)
  getDeployment(@Payload() r: DeploymentRequest, @Meta() meta: RequestMeta) {
    return this.queries.deployment(meta, r.organizationId, r.product, r.name);
  }

  @MessagePattern(UpdateSubjects.updateDeployment, queue)
  updateDeployment(@Payload() r: UpdateDeploymentRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new UpdateDeploymentCommand(r, meta));
  }

  @MessagePattern(UpdateSubjects.deleteDeployment, queue)
  deleteDeployment(@Payload() r: DeploymentRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new DeleteDeploymentCommand(r, meta));
  }

  @MessagePattern(UpdateSubjects.quarantineDeployment, queue)
  quarantineDeployment(@Payload() r: DeploymentRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new QuarantineDeploymentCommand(r, meta));
  }

  @MessagePattern(UpdateSubjects.unquarantineDeployment, queue)
  unquarantineDeployment(@Payload() r: DeploymentRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new UnquarantineDeploymentCommand(r, meta));
  }

  @MessagePattern(UpdateSubjects.deploymentHealth, queue)
  deploymentHealth(@Payload() r: DeploymentRequest, @Meta() meta: RequestMeta) {
    return this.queries.deploymentHealth(meta, r.organizationId, r.product, r.name);
  }

  @MessagePattern(UpdateSubjects.registerDevice, queue)
  registerDevice(@Payload() r: CreateInProductRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new RegisterDeviceCommand(r, meta));
  }

  @MessagePattern(UpdateSubjects.listDevices, queue)
  listDevices(@Payload() r: ProductRequest, @Meta() meta: RequestMeta) {
    return this.queries.listDevices(meta, r.organizationId, r.product);
  }

  @MessagePattern(UpdateSubjects.getDevice, queue)
  getDevice(@Payload() r: ProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.queries.device(meta, r.organizationId, r.product, r.identifier);
  }

  @MessagePattern(UpdateSubjects.updateDevice, queue)
  updateDevice(@Payload() r: UpdateProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new ChangeDeviceTagsCommand(r, meta));
  }

  @MessagePattern(UpdateSubjects.quarantineDevice, queue)
  quarantineDevice(@Payload() r: ProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new QuarantineDeviceCommand(r, meta));
  }

  @MessagePattern(UpdateSubjects.unquarantineDevice, queue)
  unquarantineDevice(@Payload() r: ProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new UnquarantineDeviceCommand(r, meta));
  }

  @MessagePattern(UpdateSubjects.rotateCredential, queue)
  rotateCredential(@Payload() r: ProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new RotateCredentialCommand(r, meta));
  }

  @MessagePattern(UpdateSubjects.fetchCredential, queue)
  fetchCredential(@Payload() r: ProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new FetchCredentialCommand(r, meta));
  }

  @MessagePattern(UpdateSubjects.explainUpdate, queue)
  explainUpdate(@Payload() r: ProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.queries.explainUpdate(meta, r.organizationId, r.product, r.identifier);
  }
}
