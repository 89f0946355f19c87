import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityTarget, FindOptionsOrder, FindOptionsWhere, ObjectLiteral } from 'typeorm';
import { OrganizationListRequest, pageOf, ProductListRequest } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { findCaughtUp, ProjectionRunner } from '@flotilla/projections';
import { explainUpdate, failureRateCheck, failureThresholdCheck } from '@flotilla/update-domain';
import { DeploymentRow, FirmwareRow, ProductRow, UpdateDeviceRow } from '@flotilla/update-read-model';
import { FleetView } from '../fleet/fleet-view';
import { UPDATE_PROJECTION } from '../infrastructure.module';
import { FleetScope } from './fleet-scope';
import { deploymentView, deviceView, firmwareView, productView } from './fleet-views';

const productsPath = (organizationId: string) => `/orgs/${organizationId}/products`;

/**
 * The admin API's reads, from the Postgres read model (a row it lacks is not found only once it holds the log); a
 * deployment's health and a device's update explanation from the fleet view, through the same rules a check uses.
 * Another organization's things answer not found.
 */
@Injectable()
export class FleetQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scope: FleetScope,
    private readonly view: FleetView,
    @Inject(UPDATE_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async listProducts(meta: RequestMeta, { organizationId, page, perPage }: OrganizationListRequest) {
    await this.scope.organization(meta, organizationId);
    const { skip, take, meta: metaOf } = pageOf(productsPath(organizationId), page, perPage);
    const [rows, total] = await this.dataSource
      .getRepository(ProductRow)
      .findAndCount({ where: { organizationId }, order: { name: 'ASC' }, skip, take });
    return { products: rows.map(productView), meta: metaOf(total) };
  }

  async product(meta: RequestMeta, organizationId: string, name: string) {
    await this.scope.organization(meta, organizationId);
    const row = await findCaughtUp(this.projection, () =>
      this.dataSource.getRepository(ProductRow).findOneBy({ organizationId, name }),
    );
    if (!row) throw DomainError.notFound('product');
    return { product: productView(row) };
  }

  async listFirmwares(meta: RequestMeta, request: ProductListRequest) {
    const { rows, meta: pageMeta } = await this.productPage(meta, FirmwareRow, 'firmwares', request);
    return { firmwares: rows.map(firmwareView), meta: pageMeta };
  }

  async firmware(meta: RequestMeta, organizationId: string, product: string, uuid: string) {
    await this.product(meta, organizationId, product);
    const row = await findCaughtUp(this.projection, () =>
      this.dataSource.getRepository(FirmwareRow).findOneBy({ organizationId, product, uuid: uuid.toLowerCase() }),
    );
    if (!row) throw DomainError.notFound('firmware');
    return { firmware: firmwareView(row) };
  }

  async listDeployments(meta: RequestMeta, request: ProductListRequest) {
    const { rows, meta: pageMeta } = await this.productPage(meta, DeploymentRow, 'deployments', request);
    return { deployments: rows.map(deploymentView), meta: pageMeta };
  }

  async deployment(meta: RequestMeta, organizationId: string, product: string, name: string) {
    await this.product(meta, organizationId, product);
    const row = await findCaughtUp(this.projection, () =>
      this.dataSource.getRepository(DeploymentRow).findOneBy({ organizationId, product, name }),
    );
    if (!row) throw DomainError.notFound('deployment');
    return { deployment: deploymentView(row) };
  }

  async listDevices(meta: RequestMeta, request: ProductListRequest) {
    const { rows, meta: pageMeta } = await this.productPage(meta, UpdateDeviceRow, 'devices', request, {
      retired: false,
    });
    return { devices: rows.map(deviceView), meta: pageMeta };
  }

  /** A page of a product's firmwares, deployments or devices (those matching `only`), oldest first, with `meta`. */
  private async productPage<Row extends ObjectLiteral & { createdAt: Date }>(
    meta: RequestMeta,
    entity: EntityTarget<Row>,
    list: string,
    { organizationId, product, page, perPage }: ProductListRequest,
    only: Partial<Row> = {},
  ) {
    await this.product(meta, organizationId, product);
    const path = `${productsPath(organizationId)}/${encodeURIComponent(product)}/${list}`;
    const { skip, take, meta: metaOf } = pageOf(path, page, perPage);
    const [rows, total] = await this.dataSource.getRepository(entity).findAndCount({
      where: { organizationId, product, ...only } as FindOptionsWhere<Row>,
      order: { createdAt: 'ASC' } as FindOptionsOrder<Row>,
      skip,
      take,
    });
    return { rows, meta: metaOf(total) };
  }

  async device(meta: RequestMeta, organizationId: string, product: string, identifier: string) {
    await this.product(meta, organizationId, product);
    const row = await findCaughtUp(this.projection, () =>
      this.dataSource.getRepository(UpdateDeviceRow).findOneBy({ organizationId, product, identifier, retired: false }),
    );
    if (!row) throw DomainError.notFound('device');
    return { device: deviceView(row) };
  }

  /** Attempts, devices attempting and quarantined, and each failure rule against its limit: the rules' own code. */
  async deploymentHealth(meta: RequestMeta, organizationId: string, product: string, name: string) {
    const d = await this.scope.deployment(meta, organizationId, product, name);
    const facts = this.view.ruleFacts.deployment(d.deploymentId);
    if (!facts) throw DomainError.notFound('deployment');
    const now = Date.now();
    const rate = failureRateCheck(facts, now);
    const threshold = failureThresholdCheck(facts, this.view.ruleFacts);
    return {
      health: {
        deployment: name,
        quarantined: d.quarantined,
        quarantine_reason: d.quarantineReason,
        attempts_total: d.totalAttempts,
        devices_attempting: d.attempts.devices(now, d.rules.failureRateSeconds * 1000),
        devices_quarantined: threshold.value,
        rules: {
          failure_rate: {
            limit: rate.limit,
            window_seconds: d.rules.failureRateSeconds,
            value: rate.value,
            broken: rate.broken,
          },
          failure_threshold: { limit: threshold.limit, value: threshold.value, broken: threshold.broken },
          device_failure_rate: { limit: d.rules.deviceFailureRate, window_seconds: d.rules.deviceFailureRateSeconds },
          device_failure_threshold: { limit: d.rules.deviceFailureThreshold },
        },
      },
    };
  }

  /** Why a device is (not) offered an update: the same facts and rules a check uses, named as the API names fields. */
  async explainUpdate(meta: RequestMeta, organizationId: string, product: string, identifier: string) {
    const device = await this.scope.device(meta, organizationId, product, identifier);
    const { chosen, reason, deployments } = explainUpdate(device, this.view.factsOf(organizationId, product));
    return {
      explanation: {
        chosen,
        reason,
        deployments: deployments.map(({ deploymentId, ...verdict }) => ({ deployment_id: deploymentId, ...verdict })),
      },
    };
  }
}
