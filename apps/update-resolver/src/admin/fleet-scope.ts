import { Inject, Injectable } from '@nestjs/common';
import { UpdateLimits } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { ProjectionRunner } from '@flotilla/projections';
import { DeploymentSettings } from '@flotilla/update-domain';
import { FleetView } from '../fleet/fleet-view';
import { UPDATE_PROJECTION } from '../infrastructure.module';
import { OrganizationDirectory } from './organization-directory';

/**
 * What every admin command and query checks first: the caller may act in the organization (a caller confined to
 * another answers as if nothing existed), and the product, device or deployment the route names exists. Answers
 * come from the fleet view, which holds every event the service has written.
 */
@Injectable()
export class FleetScope {
  constructor(
    private readonly view: FleetView,
    @Inject(UPDATE_PROJECTION) private readonly projection: ProjectionRunner,
    private readonly organizations: OrganizationDirectory,
  ) {}

  /**
   * The caller may act in the organization, and it exists: root and services granted every organization may name
   * any, so it is looked up (once: an organization is never deleted).
   */
  async organization(meta: RequestMeta, organizationId: string): Promise<void> {
    this.confine(meta, organizationId);
    if (!(await this.organizations.exists(organizationId))) throw DomainError.notFound('organization');
  }

  /** A product exists only in an organization that does (it was created there), so its check is enough. */
  product(meta: RequestMeta, organizationId: string, product: string): void {
    this.confine(meta, organizationId);
    if (!this.view.products.has(`${organizationId}/${product}`)) throw DomainError.notFound('product');
  }

  device(meta: RequestMeta, organizationId: string, product: string, identifier: string) {
    this.product(meta, organizationId, product);
    const device = this.view.device(organizationId, identifier);
    if (!device || device.retired || device.product !== product) throw DomainError.notFound('device');
    return device;
  }

  deployment(meta: RequestMeta, organizationId: string, product: string, name: string) {
    this.product(meta, organizationId, product);
    const deployment = this.view.deploymentByName(organizationId, product, name);
    if (!deployment) throw DomainError.notFound('deployment');
    return deployment;
  }

  private confine(meta: RequestMeta, organizationId: string): void {
    if (meta.organizationId && meta.organizationId !== organizationId) throw DomainError.notFound('organization');
  }

  /** A product takes another deployment only below its limit (a name taken is the deployment's own conflict). */
  checkRoomForDeployment(organizationId: string, product: string, name: string): void {
    const deployments = this.view.deploymentsOf(organizationId, product);
    if (deployments.length >= UpdateLimits.deploymentsPerProduct && !deployments.some((d) => d.name === name))
      throw DomainError.invalid([
        `product ${product} holds ${UpdateLimits.deploymentsPerProduct} deployments, the most it may: delete one first`,
      ]);
  }

  /** A deployment's firmware must be one of its product's. */
  checkFirmware(organizationId: string, product: string, settings: DeploymentSettings): void {
    if (typeof settings.firmwareUuid !== 'string') return;
    const firmware = this.view.firmwares.get(settings.firmwareUuid);
    if (!firmware || firmware.organizationId !== organizationId || firmware.product !== product) {
      throw DomainError.invalid([`firmware ${settings.firmwareUuid} is not a firmware of product ${product}`]);
    }
  }

  /** Waits until both the view and the read model hold a command's events, so the answer shows them. */
  async settled(result: { version: number }): Promise<void> {
    await Promise.all([this.view.waitFor(result.version), this.projection.waitFor(result.version)]);
  }
}
