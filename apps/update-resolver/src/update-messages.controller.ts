import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { FleetAdminRequest, ResolveRequest, ServiceNames, UpdateSubjects } from '@flotilla/contracts';
import { Meta, RequestMeta, RpcErrorFilter, RpcValidationPipe } from '@flotilla/nest-platform';
import { FleetAdmin } from './admin/fleet-admin';
import { FleetQueries } from './admin/fleet-queries';
import { ResolveUpdateCommand } from './device-api/resolve-update';

const queue = { queue: ServiceNames.updateResolver };
const need = (value: string | undefined) => value ?? '';

/** The device check and the admin commands and queries over NATS (subjects in @flotilla/contracts). */
@Controller()
@UseFilters(RpcErrorFilter)
@UsePipes(RpcValidationPipe)
export class UpdateMessagesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly admin: FleetAdmin,
    private readonly queries: FleetQueries,
  ) {}

  @MessagePattern(UpdateSubjects.resolve, queue)
  resolve(@Payload() request: ResolveRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new ResolveUpdateCommand(request, meta));
  }

  @MessagePattern(UpdateSubjects.createProduct, queue)
  createProduct(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.createProduct(meta, r.organizationId, r.body);
  }

  @MessagePattern(UpdateSubjects.listProducts, queue)
  listProducts(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.queries.listProducts(meta, r.organizationId);
  }

  @MessagePattern(UpdateSubjects.getProduct, queue)
  getProduct(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.queries.product(meta, r.organizationId, need(r.product));
  }

  @MessagePattern(UpdateSubjects.createFirmware, queue)
  createFirmware(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.createFirmware(meta, r.organizationId, need(r.product), r.body);
  }

  @MessagePattern(UpdateSubjects.listFirmwares, queue)
  listFirmwares(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.queries.listFirmwares(meta, r.organizationId, need(r.product));
  }

  @MessagePattern(UpdateSubjects.getFirmware, queue)
  getFirmware(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.queries.firmware(meta, r.organizationId, need(r.product), need(r.uuid));
  }

  @MessagePattern(UpdateSubjects.createDeployment, queue)
  createDeployment(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.createDeployment(meta, r.organizationId, need(r.product), r.body);
  }

  @MessagePattern(UpdateSubjects.listDeployments, queue)
  listDeployments(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.queries.listDeployments(meta, r.organizationId, need(r.product));
  }

  @MessagePattern(UpdateSubjects.getDeployment, queue)
  getDeployment(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.queries.deployment(meta, r.organizationId, need(r.product), need(r.name));
  }

  @MessagePattern(UpdateSubjects.updateDeployment, queue)
  updateDeployment(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.changeDeployment(meta, r.organizationId, need(r.product), need(r.name), 'update', r.body);
  }

  @MessagePattern(UpdateSubjects.deleteDeployment, queue)
  deleteDeployment(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.changeDeployment(meta, r.organizationId, need(r.product), need(r.name), 'delete');
  }

  @MessagePattern(UpdateSubjects.quarantineDeployment, queue)
  quarantineDeployment(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.changeDeployment(meta, r.organizationId, need(r.product), need(r.name), 'quarantine');
  }

  @MessagePattern(UpdateSubjects.unquarantineDeployment, queue)
  unquarantineDeployment(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.changeDeployment(meta, r.organizationId, need(r.product), need(r.name), 'unquarantine');
  }

  @MessagePattern(UpdateSubjects.deploymentHealth, queue)
  deploymentHealth(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.deploymentHealth(meta, r.organizationId, need(r.product), need(r.name));
  }

  @MessagePattern(UpdateSubjects.registerDevice, queue)
  registerDevice(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.registerDevice(meta, r.organizationId, need(r.product), r.body);
  }

  @MessagePattern(UpdateSubjects.listDevices, queue)
  listDevices(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.queries.listDevices(meta, r.organizationId, need(r.product));
  }

  @MessagePattern(UpdateSubjects.getDevice, queue)
  getDevice(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.queries.device(meta, r.organizationId, need(r.product), need(r.identifier));
  }

  @MessagePattern(UpdateSubjects.updateDevice, queue)
  updateDevice(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.changeDevice(meta, r.organizationId, need(r.product), need(r.identifier), 'tags', r.body);
  }

  @MessagePattern(UpdateSubjects.quarantineDevice, queue)
  quarantineDevice(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.changeDevice(meta, r.organizationId, need(r.product), need(r.identifier), 'quarantine');
  }

  @MessagePattern(UpdateSubjects.unquarantineDevice, queue)
  unquarantineDevice(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.changeDevice(meta, r.organizationId, need(r.product), need(r.identifier), 'unquarantine');
  }

  @MessagePattern(UpdateSubjects.rotateCredential, queue)
  rotateCredential(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.changeDevice(meta, r.organizationId, need(r.product), need(r.identifier), 'credential');
  }

  @MessagePattern(UpdateSubjects.fetchCredential, queue)
  fetchCredential(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.fetchCredential(meta, r.organizationId, need(r.product), need(r.identifier));
  }

  @MessagePattern(UpdateSubjects.explainUpdate, queue)
  explainUpdate(@Payload() r: FleetAdminRequest, @Meta() meta: RequestMeta) {
    return this.admin.explain(meta, r.organizationId, need(r.product), need(r.identifier));
  }
}
