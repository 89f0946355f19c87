import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource, In, Not } from 'typeorm';
import { BatchView, DeviceView } from '@flotilla/contracts';
import { BatchRow, DeviceQuarantineRow, DeviceRow } from '@flotilla/batch-read-model';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { projectInScope } from './create-batches';
import { batchView, deviceView } from './batch-views';

const inScope = (row: { organizationId: string } | null, meta: RequestMeta) =>
  !!row && (!meta.organizationId || meta.organizationId === row.organizationId);

async function withQuarantine(dataSource: DataSource, rows: DeviceRow[]): Promise<DeviceView[]> {
  if (rows.length === 0) return [];
  const flags = await dataSource
    .getRepository(DeviceQuarantineRow)
    .findBy({ identifier: In(rows.map((r) => r.id)), quarantined: true });
  const quarantined = new Set(flags.map((f) => `${f.organizationId}/${f.identifier}`));
  return rows.map((row) => deviceView(row, quarantined.has(`${row.organizationId}/${row.id}`)));
}

export class ListBatchesQuery {
  constructor(
    readonly projectId: string,
    readonly meta: RequestMeta,
  ) {}
}

/** A project's batch history, newest first. */
@QueryHandler(ListBatchesQuery)
export class ListBatchesHandler implements IQueryHandler<ListBatchesQuery, { batches: BatchView[] }> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ projectId, meta }: ListBatchesQuery) {
    await projectInScope(this.dataSource, projectId, meta);
    const rows = await this.dataSource
      .getRepository(BatchRow)
      .find({ where: { projectId }, order: { createdAt: 'DESC', id: 'ASC' } });
    return { batches: rows.map((row) => batchView(row)) };
  }
}

export class GetBatchQuery {
  constructor(
    readonly batchId: string,
    readonly includeDevices: boolean,
    readonly meta: RequestMeta,
  ) {}
}

@QueryHandler(GetBatchQuery)
export class GetBatchHandler implements IQueryHandler<GetBatchQuery, BatchView> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ batchId, includeDevices, meta }: GetBatchQuery) {
    const row = await this.dataSource.getRepository(BatchRow).findOneBy({ id: batchId });
    if (!row || !inScope(row, meta)) throw DomainError.notFound('batch');
    if (!includeDevices) return batchView(row);
    const devices = await this.dataSource
      .getRepository(DeviceRow)
      .find({ where: { batchId }, order: { position: 'ASC' } });
    return batchView(row, await withQuarantine(this.dataSource, devices));
  }
}

export class ListDevicesQuery {
  constructor(
    readonly projectId: string,
    readonly meta: RequestMeta,
  ) {}
}

/** A project's devices that are not deleted, newest first. */
@QueryHandler(ListDevicesQuery)
export class ListDevicesHandler implements IQueryHandler<ListDevicesQuery, { devices: DeviceView[] }> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ projectId, meta }: ListDevicesQuery) {
    await projectInScope(this.dataSource, projectId, meta);
    const rows = await this.dataSource
      .getRepository(DeviceRow)
      .find({ where: { projectId, state: Not('deleted') }, order: { createdAt: 'DESC', position: 'ASC' } });
    return { devices: await withQuarantine(this.dataSource, rows) };
  }
}

export class GetDeviceQuery {
  constructor(
    readonly deviceId: string,
    readonly meta: RequestMeta,
  ) {}
}

@QueryHandler(GetDeviceQuery)
export class GetDeviceHandler implements IQueryHandler<GetDeviceQuery, DeviceView> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ deviceId, meta }: GetDeviceQuery) {
    const row = await this.dataSource.getRepository(DeviceRow).findOneBy({ id: deviceId });
    if (!row || !inScope(row, meta)) throw DomainError.notFound('device');
    return (await withQuarantine(this.dataSource, [row]))[0];
  }
}
