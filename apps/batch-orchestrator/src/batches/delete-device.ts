import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { BatchState, lockedAtCreation } from '@flotilla/batch-domain';
import { DomainError } from '@flotilla/decider';
import { ExecuteOptions } from '@flotilla/event-store';
import { RequestMeta } from '@flotilla/nest-platform';
import { ProjectionRunner } from '@flotilla/projections';
import { BATCH_PROJECTION } from '../infrastructure/infrastructure.module';
import { BatchRepository, DeviceRepository } from './batch-repositories';
import { deviceOfBatch, liveDeviceRow } from './device-lookups';

/**
 * Deletes one device of a batch. Its batch says whether it is live (its server then goes back to the pool, which the
 * batch workflow does on `DeviceDeleted`) and whether its item locked it; a device still being provisioned cannot be
 * deleted yet, nor a locked one (`unlessLocked`: it is left as it is instead).
 */
export async function deleteDevice(
  batches: BatchRepository,
  devices: DeviceRepository,
  batchId: string,
  deviceId: string,
  options: ExecuteOptions,
  unlessLocked = false,
) {
  const device = await deviceOfBatch(batches, batchId, deviceId);
  if (device.status === 'provisioning')
    // Metal's own answer, word for word: tools that wait and try again recognise it.
    throw DomainError.invalid(['Cannot delete a device while it is provisioning']);
  return deleteProvisionedDevice(devices, device, options, unlessLocked);
}

/** Deletes a device whose provisioning is over (active or failed), as its batch has it. */
export function deleteProvisionedDevice(
  devices: DeviceRepository,
  { description, status }: BatchState['devices'][string],
  options: ExecuteOptions,
  unlessLocked: boolean,
) {
  const { deviceId, batchId, plan, facility, organizationId } = description;
  return devices.execute(
    deviceId,
    {
      type: 'DeleteDevice',
      deviceId,
      batchId,
      organizationId,
      lockedAtCreation: lockedAtCreation(description),
      plan,
      facility,
      heldCapacity: status === 'active',
      unlessLocked,
    },
    options,
  );
}

export class DeleteDeviceCommand {
  constructor(
    readonly deviceId: string,
    readonly meta: RequestMeta,
  ) {}
}

@CommandHandler(DeleteDeviceCommand)
export class DeleteDeviceHandler implements ICommandHandler<DeleteDeviceCommand, void> {
  constructor(
    private readonly batches: BatchRepository,
    private readonly devices: DeviceRepository,
    private readonly dataSource: DataSource,
    @Inject(BATCH_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ deviceId, meta }: DeleteDeviceCommand): Promise<void> {
    const row = await liveDeviceRow(this.dataSource, this.projection, deviceId, meta);
    const result = await deleteDevice(this.batches, this.devices, row.batchId, deviceId, { metadata: meta });
    await this.projection.waitFor(result.version);
  }
}
