import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { lockedAtCreation, validateDeviceChanges } from '@flotilla/batch-domain';
import { UpdateDeviceRequest } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { appliedOrUnavailable, ProjectionRunner } from '@flotilla/projections';
import { BATCH_PROJECTION } from '../infrastructure/infrastructure.module';
import { BatchRepository, DeviceRepository } from './batch-repositories';
import { deviceOfBatch, liveDeviceRow } from './device-lookups';

export class UpdateDeviceCommand {
  constructor(
    readonly request: UpdateDeviceRequest,
    readonly meta: RequestMeta,
  ) {}
}

/** Changes a device's lock or details (Metal's `PUT /devices/{id}`), every field checked by the batch domain. */
@CommandHandler(UpdateDeviceCommand)
export class UpdateDeviceHandler implements ICommandHandler<UpdateDeviceCommand, void> {
  constructor(
    private readonly batches: BatchRepository,
    private readonly devices: DeviceRepository,
    private readonly dataSource: DataSource,
    @Inject(BATCH_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ request, meta }: UpdateDeviceCommand): Promise<void> {
    const { deviceId, ...body } = request;
    const checked = validateDeviceChanges(body);
    if (!checked.ok) throw DomainError.invalid(checked.problems);
    const row = await liveDeviceRow(this.dataSource, this.projection, deviceId, meta);
    if (!Object.keys(checked.changes).length) return;
    const { description } = await deviceOfBatch(this.batches, row.batchId, deviceId);
    const { batchId, organizationId } = description;
    const result = await this.devices.execute(
      deviceId,
      {
        type: 'UpdateDevice',
        deviceId,
        batchId,
        organizationId,
        lockedAtCreation: lockedAtCreation(description),
        changes: checked.changes,
      },
      { metadata: meta },
    );
    // The answer is the device as the read model has it: one that has not applied the change would answer without it.
    await appliedOrUnavailable(this.projection, result.version, 'read the device again shortly');
  }
}
