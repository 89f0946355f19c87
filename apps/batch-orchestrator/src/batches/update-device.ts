import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { lockedAtCreation } from '@flotilla/batch-domain';
import { RequestMeta } from '@flotilla/nest-platform';
import { ProjectionRunner } from '@flotilla/projections';
import { BATCH_PROJECTION } from '../infrastructure/infrastructure.module';
import { BatchRepository, DeviceRepository } from './batch-repositories';
import { deviceOfBatch, liveDeviceRow } from './device-lookups';

export class UpdateDeviceCommand {
  constructor(
    readonly deviceId: string,
    readonly locked: boolean | undefined,
    readonly meta: RequestMeta,
  ) {}
}

/** Locks a device against deletion, or unlocks it (Metal's `PUT /devices/{id}` with `locked`). */
@CommandHandler(UpdateDeviceCommand)
export class UpdateDeviceHandler implements ICommandHandler<UpdateDeviceCommand, void> {
  constructor(
    private readonly batches: BatchRepository,
    private readonly devices: DeviceRepository,
    private readonly dataSource: DataSource,
    @Inject(BATCH_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ deviceId, locked, meta }: UpdateDeviceCommand): Promise<void> {
    const row = await liveDeviceRow(this.dataSource, deviceId, meta);
    if (locked === undefined) return;
    const { description } = await deviceOfBatch(this.batches, row.batchId, deviceId);
    const { batchId, organizationId } = description;
    const result = await this.devices.execute(
      deviceId,
      {
        type: 'SetDeviceLock',
        deviceId,
        batchId,
        organizationId,
        lockedAtCreation: lockedAtCreation(description),
        locked,
      },
      { metadata: meta },
    );
    await this.projection.waitFor(result.version);
  }
}
