import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OrganizationListRequest, pageOf, ProductListRequest } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { explainUpdate, failureRateCheck, failureThresholdCheck } from '@flotilla/update-domain';
import { DeploymentRow, FirmwareRow, ProductRow, UpdateDeviceRow } from '@flotilla/update-read-model';
import { FleetView } from '../fleet/fleet-view';
import { FleetScope } from './fleet-scope';
import { deploymentView, deviceView, firmwareView, productView } from './fleet-views';

const productsPath = (organizationId: string) => `/orgs/${organizationId}/products`;

/**
 * The admin API's reads, from the Postgres read model; a deployment's health and a device's update explanation from
 * the fleet view, through the same rules a check uses. Another organization's things answer not found.
 */
@Injectable()
export class FleetQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly scope: FleetScope,
    private readonly view: FleetView,
  ) {}

  async listProducts(meta: RequestMeta, { organizationId, page, perPage }: OrganizationListRequest) {
    this.scope.organization(meta, organizationId);
    const { skip, take, meta: metaOf } = pageOf(productsPath(organizationId), page, perPage);
    const [rows, total] = await this.dataSource
      .getRepository(ProductRow)
      .findAndCount({ where: { organizationId }, order: { name: 'ASC' }, skip, take });
    return { products: rows.map(productView), meta: metaOf(total) };
  }

  async product(meta: RequestMeta, organizationId: string, name: string) {
    this.scope.organization(meta, organizationId);
    const row = await this.dataSource.getRepository(ProductRow).findOneBy({ organizationId, name });
    if (!row) throw DomainError.notFound('product');
    return { product: productView(row) };
  }

  async listFirmwares(meta: RequestMeta, { organizationId, product, page, perPage }: ProductListRequest) {
    await this.product(meta, organizationId, product);
    const {
      skip,
      take,
      meta: metaOf,
    } = pageOf(`${productsPath(organizationId)}/${encodeURIComponent(product)}/firmwares`, page, perPage);
    const [rows, total] = await this.dataSource
      .getRepository(FirmwareRow)
      .findAndCount({ where: { organizationId, product }, order: { createdAt: 'ASC' }, skip, take });
    return { firmwares: rows.map(firmwareView), meta: metaOf(total) };
  }

  async firmware(meta: RequestMeta, organizationId: string, product: string, uuid: string) {
    await this.product(meta, organizationId, product);
    const row = await this.dataSource
      .getRepository(FirmwareRow)
      .findOneBy({ organizationId, product, uuid: uuid.toLowerCase() });
    if (!row) throw DomainError.notFound('firmware');
    return { firmware: firmwareView(row) };
  }

  async listDeployments(meta: RequestMeta, { organizationId, product, page, perPage }: ProductListRequest) {
    await this.product(meta, organizationId, product);
    const {
      skip,
      take,
      meta: metaOf,
    } = pageOf(`${productsPath(organizationId)}/${encodeURIComponent(product)}/deployments`, page, perPage);
    const [rows, total] = await this.dataSource
      .getRepository(DeploymentRow)
      .findAndCount({ where: { organizationId, product }, order: { createdAt: 'ASC' }, skip, take });
    return { deployments: rows.map(deploymentView), meta: metaOf(total) };
  }

  async deployment(meta: RequestMeta, organizationId: string, product: string, name: string) {
    await this.product(meta, organizationId, product);
    const row = await this.dataSource.getRepository(DeploymentRow).findOneBy({ organizationId, product, name });
    if (!row) throw DomainError.notFound('deployment');
    return { deployment: deploymentView(row) };
  }

  async listDevices(meta: RequestMeta, { organizationId, product, page, perPage }: ProductListRequest) {
    await this.product(meta, organizationId, product);
    const {
      skip,
      take,
      meta: metaOf,
    } = pageOf(`${productsPath(organizationId)}/${encodeURIComponent(product)}/devices`, page, perPage);
    const [rows, total] = await this.dataSource
      .getRepository(UpdateDeviceRow)
      .findAndCount({ where: { organizationId, product, retired: false }, order: { createdAt: 'ASC' }, skip, take });
    return { devices: rows.map(deviceView), meta: metaOf(total) };
  }

  async device(meta: RequestMeta, organizationId: string, product: string, identifier: string) {
    await this.product(meta, organizationId, product);
    const row = await this.dataSource
      .getRepository(UpdateDeviceRow)
      .findOneBy({ organizationId, product, identifier, retired: false });
    if (!row) throw DomainError.notFound('device');
    return { device: deviceView(row) };
  }

  /** Attempts, devices attempting and quarantined, and each failure rule against its limit: the rules' own code. */
  deploymentHealth(meta: RequestMeta, organizationId: string, product: string, name: string) {
    const d = this.scope.deployment(meta, organizationId, product, name);
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

  /** Why a device is (not) offered an update: the same facts and rules a check uses. */
  explainUpdate(meta: RequestMeta, organizationId: string, product: string, identifier: string) {
    const device = this.scope.device(meta, organizationId, product, identifier);
    return { explanation: explainUpdate(device, this.view.factsOf(organizationId, product)) };
  }
}
