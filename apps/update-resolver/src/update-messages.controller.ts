import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Payload } from '@nestjs/microservices';
import {
  CreateInProductRequest,
  CreateProductRequest,
  DeploymentRequest,
  FirmwareRequest,
  OrganizationListRequest,
  ProductDeviceRequest,
  ProductListRequest,
  ProductRequest,
  UpdateDeploymentRequest,
  UpdateProductDeviceRequest,
  UpdateSubjects,
} from '@flotilla/contracts';
import { Meta, Handles, RequestMeta, RpcErrorFilter, RpcValidationPipe } from '@flotilla/nest-platform';
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

/**
 * The admin commands and queries over NATS (subjects in @flotilla/contracts); the device check is a direct route
 * (device-api/resolve-update.route.ts).
 */
@Controller()
@UseFilters(RpcErrorFilter)
@UsePipes(RpcValidationPipe)
export class UpdateMessagesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: FleetQueries,
  ) {}

  @Handles(UpdateSubjects.createProduct)
  createProduct(@Payload() r: CreateProductRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new CreateProductCommand(r, meta));
  }

  @Handles(UpdateSubjects.listProducts)
  listProducts(@Payload() r: OrganizationListRequest, @Meta() meta: RequestMeta) {
    return this.queries.listProducts(meta, r);
  }

  @Handles(UpdateSubjects.getProduct)
  getProduct(@Payload() r: ProductRequest, @Meta() meta: RequestMeta) {
    return this.queries.product(meta, r.organizationId, r.product);
  }

  @Handles(UpdateSubjects.createFirmware)
  createFirmware(@Payload() r: CreateInProductRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new CreateFirmwareCommand(r, meta));
  }

  @Handles(UpdateSubjects.listFirmwares)
  listFirmwares(@Payload() r: ProductListRequest, @Meta() meta: RequestMeta) {
    return this.queries.listFirmwares(meta, r);
  }

  @Handles(UpdateSubjects.getFirmware)
  getFirmware(@Payload() r: FirmwareRequest, @Meta() meta: RequestMeta) {
    return this.queries.firmware(meta, r.organizationId, r.product, r.uuid);
  }

  @Handles(UpdateSubjects.createDeployment)
  createDeployment(@Payload() r: CreateInProductRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new CreateDeploymentCommand(r, meta));
  }

  @Handles(UpdateSubjects.listDeployments)
  listDeployments(@Payload() r: ProductListRequest, @Meta() meta: RequestMeta) {
    return this.queries.listDeployments(meta, r);
  }

  @Handles(UpdateSubjects.getDeployment)
  getDeployment(@Payload() r: DeploymentRequest, @Meta() meta: RequestMeta) {
    return this.queries.deployment(meta, r.organizationId, r.product, r.name);
  }

  @Handles(UpdateSubjects.updateDeployment)
  updateDeployment(@Payload() r: UpdateDeploymentRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new UpdateDeploymentCommand(r, meta));
  }

  @Handles(UpdateSubjects.deleteDeployment)
  deleteDeployment(@Payload() r: DeploymentRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new DeleteDeploymentCommand(r, meta));
  }

  @Handles(UpdateSubjects.quarantineDeployment)
  quarantineDeployment(@Payload() r: DeploymentRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new QuarantineDeploymentCommand(r, meta));
  }

  @Handles(UpdateSubjects.unquarantineDeployment)
  unquarantineDeployment(@Payload() r: DeploymentRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new UnquarantineDeploymentCommand(r, meta));
  }

  @Handles(UpdateSubjects.deploymentHealth)
  deploymentHealth(@Payload() r: DeploymentRequest, @Meta() meta: RequestMeta) {
    return this.queries.deploymentHealth(meta, r.organizationId, r.product, r.name);
  }

  @Handles(UpdateSubjects.registerDevice)
  registerDevice(@Payload() r: CreateInProductRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new RegisterDeviceCommand(r, meta));
  }

  @Handles(UpdateSubjects.listDevices)
  listDevices(@Payload() r: ProductListRequest, @Meta() meta: RequestMeta) {
    return this.queries.listDevices(meta, r);
  }

  @Handles(UpdateSubjects.getDevice)
  getDevice(@Payload() r: ProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.queries.device(meta, r.organizationId, r.product, r.identifier);
  }

  @Handles(UpdateSubjects.updateDevice)
  updateDevice(@Payload() r: UpdateProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new ChangeDeviceTagsCommand(r, meta));
  }

  @Handles(UpdateSubjects.quarantineDevice)
  quarantineDevice(@Payload() r: ProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new QuarantineDeviceCommand(r, meta));
  }

  @Handles(UpdateSubjects.unquarantineDevice)
  unquarantineDevice(@Payload() r: ProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new UnquarantineDeviceCommand(r, meta));
  }

  @Handles(UpdateSubjects.rotateCredential)
  rotateCredential(@Payload() r: ProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new RotateCredentialCommand(r, meta));
  }

  @Handles(UpdateSubjects.fetchCredential)
  fetchCredential(@Payload() r: ProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new FetchCredentialCommand(r, meta));
  }

  @Handles(UpdateSubjects.explainUpdate)
  explainUpdate(@Payload() r: ProductDeviceRequest, @Meta() meta: RequestMeta) {
    return this.queries.explainUpdate(meta, r.organizationId, r.product, r.identifier);
  }
}
