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
import { ApiHeader, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Doc } from '../openapi/api-doc';
import { BatchListView, BatchSubjects, BatchView, DeviceListView, DeviceView, ErrorCodes } from '@flotilla/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { Caller, CurrentCaller } from '../auth/caller';
import { NatsRpcClient, RemoteError } from '../nats-rpc.client';
import { queryFlag } from '../query-filters';
import { ApiPaging, paging } from '../paging';
import { ApiIdempotencyKey, IdempotencyKey } from '../idempotency-key';
import { ApiDeviceListQuery, deviceListQuery } from './device-list-query';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new RemoteError({ code: ErrorCodes.notFound, message: 'not found' }),
});

/** A query flag, false when left out (`queryFlag`'s spellings); anything else is bad input. */
function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  const given = typeof value === 'string' ? queryFlag(value) : undefined;
  if (given !== undefined) return given;
  throw new RemoteError({ code: ErrorCodes.validationFailed, message: `${name} must be true or false` });
}

/** Whether Metal's `include` names `devices`: comma-separated, as its clients send it, or the parameter repeated. */
const includesDevices = (include: string | string[] | undefined) =>
  [include ?? []]
    .flat()
    .flatMap((value) => value.split(','))
    .includes('devices');

/** Batches and devices (batch-deployment.md §2): thin HTTP over the batch-orchestrator's commands and queries. */
@ApiTags('batches')
@ApiHeader({ name: 'X-Auth-Token', required: true })
@Controller()
@UseGuards(AuthGuard)
export class BatchesController {
  constructor(private readonly rpc: NatsRpcClient) {}

  @Doc('Deploy batches of servers (one batch per item)', { status: 201, schema: 'BatchList' }, 'BatchRequest')
  @Post('projects/:id/devices/batch')
  @HttpCode(201)
  @ApiIdempotencyKey("the first request's batches")
  createBatches(
    @Param('id', uuid) projectId: string,
    @Body() body: Record<string, unknown> | undefined,
    @IdempotencyKey() commandId: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<{ batches: BatchView[] }> {
    return this.rpc.call(BatchSubjects.createBatches, { batches: body?.batches, projectId, commandId }, caller);
  }

  @Doc(
    "Deploy one server (Metal's createDevice): a batch of one, answered once placed (still provisioning while the " +
      "provisioner brings it up, as Metal answers); 422 with its batch's error_messages when it finds no room; 503 " +
      'when not placed within the wait (with an Idempotency-Key the request stands and the retry answers the device; ' +
      'without one it is withdrawn, nothing created)',
    { status: 201, schema: 'Device' },
    'DeviceCreateInput',
  )
  @Post('projects/:id/devices')
  @HttpCode(201)
  @ApiIdempotencyKey("the first request's device")
  createDevice(
    @Param('id', uuid) projectId: string,
    @Body() device: Record<string, unknown> | undefined,
    @IdempotencyKey() commandId: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<DeviceView> {
    return this.rpc.call(BatchSubjects.createDevice, { device, projectId, commandId }, caller);
  }

  @Doc("A project's batches, newest first", 'BatchesList')
  @Get('projects/:id/batches')
  @ApiPaging()
  @ApiQuery({
    name: 'include',
    required: false,
    description: "`devices` expands each batch's devices (at most 10,000 on a page)",
  })
  listBatches(
    @Param('id', uuid) projectId: string,
    @Query('page') page: string | undefined,
    @Query('per_page') perPage: string | undefined,
    @Query('include') include: string | string[] | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<BatchListView> {
    return this.rpc.call(
      BatchSubjects.listBatches,
      { projectId, ...paging(page, perPage), includeDevices: includesDevices(include) },
      caller,
    );
  }

  @Doc('A batch, its state and error_messages', 'Batch')
  @Get('batches/:id')
  @ApiQuery({ name: 'include', required: false, description: '`devices` expands the devices' })
  getBatch(
    @Param('id', uuid) batchId: string,
    @Query('include') include: string | string[] | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<BatchView> {
    return this.rpc.call(BatchSubjects.getBatch, { batchId, includeDevices: includesDevices(include) }, caller);
  }

  @Doc(
    'Delete a batch, whenever it stands (and its devices with remove_associated_instances; those still being ' +
      'provisioned are deleted once up, or kept, holding their servers, without it)',
    { status: 204 },
  )
  @Delete('batches/:id')
  @HttpCode(204)
  @ApiQuery({ name: 'remove_associated_instances', required: false, enum: ['true', 'false'] })
  async deleteBatch(
    @Param('id', uuid) batchId: string,
    @Query('remove_associated_instances') remove: string | undefined,
    @CurrentCaller() caller: Caller,
  ) {
    await this.rpc.call(
      BatchSubjects.deleteBatch,
      { batchId, removeAssociatedInstances: flag(remove, 'remove_associated_instances') },
      caller,
    );
  }

  @Doc("A project's devices, newest first, filtered as Metal filters them", 'DeviceList')
  @Get('projects/:id/devices')
  @ApiDeviceListQuery()
  listDevices(
    @Param('id', uuid) projectId: string,
    @Query() query: Record<string, unknown>,
    @CurrentCaller() caller: Caller,
  ): Promise<DeviceListView> {
    return this.rpc.call(BatchSubjects.listDevices, deviceListQuery(projectId, query), caller);
  }

  @Doc('A device', 'Device')
  @Get('devices/:id')
  getDevice(@Param('id', uuid) deviceId: string, @CurrentCaller() caller: Caller): Promise<DeviceView> {
    return this.rpc.call(BatchSubjects.getDevice, { deviceId }, caller);
  }

  @Doc(
    "Change a device's lock, hostname, description, tags or customdata (Metal's DeviceUpdateInput; its other fields 422)",
    'Device',
    'DeviceUpdateInput',
  )
  @Put('devices/:id')
  updateDevice(
    @Param('id', uuid) deviceId: string,
    @Body() body: Record<string, unknown> | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<DeviceView> {
    return this.rpc.call(BatchSubjects.updateDevice, { ...body, deviceId }, caller);
  }

  @Doc('Delete a device (422 while locked or still being provisioned); its server goes back', { status: 204 })
  @Delete('devices/:id')
  @HttpCode(204)
  async deleteDevice(@Param('id', uuid) deviceId: string, @CurrentCaller() caller: Caller) {
    await this.rpc.call(BatchSubjects.deleteDevice, { deviceId }, caller);
  }
}
