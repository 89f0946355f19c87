import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { Payload } from '@nestjs/microservices';
import {
  BatchSubjects,
  CreateDeviceRequest,
  DeleteBatchRequest,
  DeviceRequest,
  GetBatchRequest,
  ListBatchesRequest,
  ListDevicesRequest,
  UpdateDeviceRequest,
} from '@flotilla/contracts';
import { Meta, Handles, RequestMeta, RpcErrorFilter, RpcValidationPipe } from '@flotilla/nest-platform';
import { GetBatchQuery, GetDeviceQuery, ListBatchesQuery, ListDevicesQuery } from './batch-queries';
import { CreateDeviceCommand } from './create-device';
import { DeleteBatchCommand } from './delete-batch';
import { DeleteDeviceCommand } from './delete-device';
import { UpdateDeviceCommand } from './update-device';

/**
 * Batch and device commands and queries over NATS (subjects in @flotilla/contracts); batch requests are answered by
 * a direct route (create-batches.route.ts).
 */
@Controller()
@UseFilters(RpcErrorFilter)
@UsePipes(RpcValidationPipe)
export class BatchMessagesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Handles(BatchSubjects.createDevice)
  createDevice(@Payload() request: CreateDeviceRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new CreateDeviceCommand(request, meta));
  }

  @Handles(BatchSubjects.deleteBatch)
  async deleteBatch(@Payload() request: DeleteBatchRequest, @Meta() meta: RequestMeta) {
    await this.commands.execute(
      new DeleteBatchCommand(request.batchId, request.removeAssociatedInstances ?? false, meta),
    );
    return { deleted: true };
  }

  @Handles(BatchSubjects.updateDevice)
  async updateDevice(@Payload() request: UpdateDeviceRequest, @Meta() meta: RequestMeta) {
    await this.commands.execute(new UpdateDeviceCommand(request, meta));
    return this.queries.execute(new GetDeviceQuery(request.deviceId, meta));
  }

  @Handles(BatchSubjects.deleteDevice)
  async deleteDevice(@Payload() request: DeviceRequest, @Meta() meta: RequestMeta) {
    await this.commands.execute(new DeleteDeviceCommand(request.deviceId, meta));
    return { deleted: true };
  }

  @Handles(BatchSubjects.listBatches)
  listBatches(@Payload() request: ListBatchesRequest, @Meta() meta: RequestMeta) {
    return this.queries.execute(new ListBatchesQuery(request, meta));
  }

  @Handles(BatchSubjects.getBatch)
  getBatch(@Payload() request: GetBatchRequest, @Meta() meta: RequestMeta) {
    return this.queries.execute(new GetBatchQuery(request.batchId, request.includeDevices ?? false, meta));
  }

  @Handles(BatchSubjects.listDevices)
  listDevices(@Payload() request: ListDevicesRequest, @Meta() meta: RequestMeta) {
    return this.queries.execute(new ListDevicesQuery(request, meta));
  }

  @Handles(BatchSubjects.getDevice)
  getDevice(@Payload() request: DeviceRequest, @Meta() meta: RequestMeta) {
    return this.queries.execute(new GetDeviceQuery(request.deviceId, meta));
  }
}
