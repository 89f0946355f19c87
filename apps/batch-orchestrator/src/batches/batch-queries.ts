import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource, In } from 'typeorm';
import {
  BatchListView,
  BatchView,
  DeviceListView,
  DeviceView,
  Href,
  ListBatchesRequest,
  ListDevicesRequest,
  pageOf,
} from '@flotilla/contracts';
import { BatchRow, DeviceQuarantineRow, DeviceRow } from '@flotilla/batch-read-model';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { findCaughtUp, ProjectionRunner } from '@flotilla/projections';
import { loadCatalogObjects } from '../catalog/catalog-queries';
import { BATCH_PROJECTION } from '../infrastructure/infrastructure.module';
import { ProjectDirectory } from '../tenancy/project-directory';
import { batchHref, batchView, deviceHref, deviceView, projectHref } from './batch-views';
import { filterParameters, whereDevicesMatch } from './device-filters';

const inScope = (row: { organizationId: string } | null, meta: RequestMeta) =>
  !!row && (!meta.organizationId || meta.organizationId === row.organizationId);

async function devicesView(dataSource: DataSource, rows: DeviceRow[]): Promise<DeviceView[]> {
  if (rows.length === 0) return [];
  const [flags, catalog] = await Promise.all([
    dataSource.getRepository(DeviceQuarantineRow).findBy({ identifier: In(rows.map((r) => r.id)), quarantined: true }),
    loadCatalogObjects(dataSource),
  ]);
  const quarantined = new Set(flags.map((f) => `${f.organizationId}/${f.identifier}`));
  return rows.map((row) => deviceView(row, quarantined.has(`${row.organizationId}/${row.id}`), catalog));
}

/**
 * The devices created so far of those batches still in progress, as hrefs in their batch's order: a batch row lists
 * its devices once it ends, and Metal shows a batch's devices from their creation (a real provisioner takes minutes).
 */
async function devicesSoFar(dataSource: DataSource, rows: BatchRow[]): Promise<Map<string, Href[]>> {
  const inProgress = rows.filter((row) => row.state === 'in_progress').map((row) => row.id);
  const byBatch = new Map<string, Href[]>(inProgress.map((id) => [id, []]));
  if (inProgress.length === 0) return byBatch;
  const devices = await dataSource.getRepository(DeviceRow).find({
    select: { id: true, batchId: true },
    where: { batchId: In(inProgress) },
    order: { batchId: 'ASC', position: 'ASC' },
  });
  for (const { id, batchId } of devices) byBatch.get(batchId)?.push({ href: deviceHref(id) });
  return byBatch;
}

export class ListBatchesQuery {
  constructor(
    readonly request: ListBatchesRequest,
    readonly meta: RequestMeta,
  ) {}
}

/** Devices one page of batches may embed (`include=devices`): as many as one batch may hold. */
export const MAX_EMBEDDED_DEVICES = 10_000;

/** A project's batch history, newest first, a page at a time; each batch with its devices if asked. */
@QueryHandler(ListBatchesQuery)
export class ListBatchesHandler implements IQueryHandler<ListBatchesQuery, BatchListView> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly projects: ProjectDirectory,
  ) {}

  async execute({ request, meta }: ListBatchesQuery): Promise<BatchListView> {
    const { projectId, page, perPage, includeDevices } = request;
    await this.projects.inScope(projectId, meta);
    const path = `${projectHref(projectId)}/batches`;
    const { skip, take, meta: metaOf } = pageOf(path, page, perPage, includeDevices ? { include: 'devices' } : {});
    const [rows, total] = await this.dataSource
      .getRepository(BatchRow)
      .findAndCount({ where: { projectId }, order: { createdAt: 'DESC', id: 'ASC' }, skip, take });
    if (!includeDevices) {
      const soFar = await devicesSoFar(this.dataSource, rows);
      return { batches: rows.map((row) => batchView(row, soFar.get(row.id))), meta: metaOf(total) };
    }
    const ofPage = { batchId: In(rows.map((row) => row.id)) };
    const embedded = rows.length ? await this.dataSource.getRepository(DeviceRow).countBy(ofPage) : 0;
    if (embedded > MAX_EMBEDDED_DEVICES)
      throw DomainError.invalid([
        `include=devices would embed ${embedded} devices on this page, more than ${MAX_EMBEDDED_DEVICES}: ask for ` +
          'fewer per_page',
      ]);
    const devices = embedded
      ? await this.dataSource
          .getRepository(DeviceRow)
          .find({ where: ofPage, order: { batchId: 'ASC', position: 'ASC' } })
      : [];
    const byBatch = new Map<string, DeviceView[]>(rows.map((row) => [batchHref(row.id), []]));
    for (const view of await devicesView(this.dataSource, devices)) byBatch.get(view.batch.href)?.push(view);
    return { batches: rows.map((row) => batchView(row, byBatch.get(batchHref(row.id)))), meta: metaOf(total) };
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
  constructor(
    private readonly dataSource: DataSource,
    @Inject(BATCH_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ batchId, includeDevices, meta }: GetBatchQuery) {
    const row = await findCaughtUp(this.projection, () =>
      this.dataSource.getRepository(BatchRow).findOneBy({ id: batchId }),
    );
    if (!row || !inScope(row, meta)) throw DomainError.notFound('batch');
    if (!includeDevices) return batchView(row, (await devicesSoFar(this.dataSource, [row])).get(row.id));
    const devices = await this.dataSource
      .getRepository(DeviceRow)
      .find({ where: { batchId }, order: { position: 'ASC' } });
    return batchView(row, await devicesView(this.dataSource, devices));
  }
}

export class ListDevicesQuery {
  constructor(
    readonly request: ListDevicesRequest,
    readonly meta: RequestMeta,
  ) {}
}

/** A project's devices that are not deleted and match the request's filters, newest first, a page at a time. */
@QueryHandler(ListDevicesQuery)
export class ListDevicesHandler implements IQueryHandler<ListDevicesQuery, DeviceListView> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly projects: ProjectDirectory,
  ) {}

  async execute({ request, meta }: ListDevicesQuery): Promise<DeviceListView> {
    const { projectId, page, perPage } = request;
    await this.projects.inScope(projectId, meta);
    const path = `${projectHref(projectId)}/devices`;
    const { skip, take, meta: metaOf } = pageOf(path, page, perPage, filterParameters(request));
    const query = this.dataSource
      .getRepository(DeviceRow)
      .createQueryBuilder('d')
      .where('d.project_id = :projectId', { projectId })
      .andWhere(`d.state <> 'deleted'`);
    whereDevicesMatch(query, request);
    const [rows, total] = await query
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.position', 'ASC')
      .addOrderBy('d.id', 'ASC')
      .offset(skip)
      .limit(take)
      .getManyAndCount();
    return { devices: await devicesView(this.dataSource, rows), meta: metaOf(total) };
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
  constructor(
    private readonly dataSource: DataSource,
    @Inject(BATCH_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ deviceId, meta }: GetDeviceQuery) {
    const row = await findCaughtUp(this.projection, () =>
      this.dataSource.getRepository(DeviceRow).findOneBy({ id: deviceId }),
    );
    if (!row || !inScope(row, meta)) throw DomainError.notFound('device');
    return (await devicesView(this.dataSource, [row]))[0];
  }
}
