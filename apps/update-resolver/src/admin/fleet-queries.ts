import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { DeploymentRow, FirmwareRow, ProductRow, UpdateDeviceRow } from '@flotilla/update-read-model';
import { deploymentView, deviceView, firmwareView, productView } from './fleet-views';

/** The admin API's reads, from the Postgres read model; another organization's things answer not found. */
@Injectable()
export class FleetQueries {
  constructor(private readonly dataSource: DataSource) {}

  scope(meta: RequestMeta, organizationId: string): void {
    if (meta.organizationId && meta.organizationId !== organizationId) throw DomainError.notFound('organization');
  }

  async listProducts(meta: RequestMeta, organizationId: string) {
    this.scope(meta, organizationId);
    const rows = await this.dataSource.getRepository(ProductRow).find({ where: { organizationId }, order: { name: 'ASC' } });
    return { products: rows.map(productView) };
  }

  async product(meta: RequestMeta, organizationId: string, name: string) {
    this.scope(meta, organizationId);
    const row = await this.dataSource.getRepository(ProductRow).findOneBy({ organizationId, name });
    if (!row) throw DomainError.notFound('product');
    return { product: productView(row) };
  }

  async listFirmwares(meta: RequestMeta, organizationId: string, product: string) {
    await this.product(meta, organizationId, product);
    const rows = await this.dataSource.getRepository(FirmwareRow).find({ where: { organizationId, product }, order: { createdAt: 'ASC' } });
    return { firmwares: rows.map(firmwareView) };
  }

  async firmware(meta: RequestMeta, organizationId: string, product: string, uuid: string) {
    await this.product(meta, organizationId, product);
    const row = await this.dataSource.getRepository(FirmwareRow).findOneBy({ organizationId, product, uuid: uuid.toLowerCase() });
    if (!row) throw DomainError.notFound('firmware');
    return { firmware: firmwareView(row) };
  }

  async listDeployments(meta: RequestMeta, organizationId: string, product: string) {
    await this.product(meta, organizationId, product);
    const rows = await this.dataSource.getRepository(DeploymentRow).find({ where: { organizationId, product }, order: { createdAt: 'ASC' } });
    return { deployments: rows.map(deploymentView) };
  }

  async deployment(meta: RequestMeta, organizationId: string, product: string, name: string) {
    await this.product(meta, organizationId, product);
    const row = await this.dataSource.getRepository(DeploymentRow).findOneBy({ organizationId, product, name });
    if (!row) throw DomainError.notFound('deployment');
    return { deployment: deploymentView(row) };
  }

  async listDevices(meta: RequestMeta, organizationId: string, product: string) {
    await this.product(meta, organizationId, product);
    const rows = await this.dataSource.getRepository(UpdateDeviceRow).find({ where: { organizationId, product, retired: false }, order: { createdAt: 'ASC' } });
    return { devices: rows.map(deviceView) };
  }

  async device(meta: RequestMeta, organizationId: string, product: string, identifier: string) {
    await this.product(meta, organizationId, product);
    const row = await this.dataSource.getRepository(UpdateDeviceRow).findOneBy({ organizationId, product, identifier, retired: false });
    if (!row) throw DomainError.notFound('device');
    return { device: deviceView(row) };
  }
}
