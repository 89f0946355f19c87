import { DataSource } from 'typeorm';
import { DeviceRow } from '@flotilla/batch-read-model';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { findCaughtUp, ProjectionRunner } from '@flotilla/projections';
import { BatchRepository } from './batch-repositories';

/**
 * The device's row, if it is not deleted and the caller may see it; not found otherwise (once the read model holds
 * the log as it is now).
 */
export async function liveDeviceRow(
  dataSource: DataSource,
  projection: ProjectionRunner,
  deviceId: string,
  meta: RequestMeta,
): Promise<DeviceRow> {
  const row = await findCaughtUp(projection, () => dataSource.getRepository(DeviceRow).findOneBy({ id: deviceId }));
  if (!row || row.state === 'deleted' || (meta.organizationId && meta.organizationId !== row.organizationId))
    throw DomainError.notFound('device');
  return row;
}

/** The device as its batch has it. */
export async function deviceOfBatch(batches: BatchRepository, batchId: string, deviceId: string) {
  const device = (await batches.load(batchId)).state.devices[deviceId];
  if (!device) throw DomainError.notFound('device');
  return device;
}
