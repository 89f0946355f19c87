import { Inject, Injectable } from '@nestjs/common';
import { UpdateLimits } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { appliedOrUnavailable, ProjectionRunner } from '@flotilla/projections';
import { DeploymentSettings } from '@flotilla/update-domain';
import { FleetView } from '../fleet/fleet-view';
import { UPDATE_PROJECTION } from '../infrastructure.module';
import { OrganizationDirectory } from './organization-directory';

/** How long a request naming something the view lacks waits for the view to catch up with the log (then 503). */
const CATCH_UP_WITHIN_MS = 5_000;

/**
 * What every admin command and query checks first: the caller may act in the organization (a caller confined to
 * another answers as if nothing existed), and the product, device or deployment the route names exists. Answers
 * come from the fleet view, and what it lacks is looked for again once it has caught up with the log.
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
  async product(meta: RequestMeta, organizationId: string, product: string): Promise<void> {
    this.confine(meta, organizationId);
    if (!(await this.lookUp(() => this.view.products.get(`${organizationId}/${product}`))))
      throw DomainError.notFound('product');
  }

  async device(meta: RequestMeta, organizationId: string, product: string, identifier: string) {
    await this.product(meta, organizationId, product);
    const device = await this.lookUp(() => {
      const found = this.view.device(organizationId, identifier);
      return found && !found.retired && found.product === product ? found : undefined;
    });
    if (!device) throw DomainError.notFound('device');
    return device;
  }

  async deployment(meta: RequestMeta, organizationId: string, product: string, name: string) {
    await this.product(meta, organizationId, product);
    const deployment = await this.lookUp(() => this.view.deploymentByName(organizationId, product, name));
    if (!deployment) throw DomainError.notFound('deployment');
    return deployment;
  }

  /**
   * What the view holds, or what it holds once it has caught up with the log if it holds nothing: another instance may
   * have written a moment ago what a request names (a product created through it), and a "not found" must be the log's
   * answer, not a lagging view's.
   */
  private async lookUp<T>(look: () => T | undefined): Promise<T | undefined> {
    const found = look();
    if (found !== undefined) return found;
    await this.view.caughtUp(CATCH_UP_WITHIN_MS);
    return look();
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

  /**
   * The check that a deployment's firmware is one of its product's, to run with the request's other checks; the
   * firmware is looked up first (a miss after catching up with the log).
   */
  async firmwareCheck(organizationId: string, product: string, settings: DeploymentSettings): Promise<() => void> {
    const uuid = settings.firmwareUuid;
    if (typeof uuid !== 'string') return () => undefined;
    const firmware = await this.lookUp(() => this.view.firmwares.get(uuid));
    return () => {
      if (!firmware || firmware.organizationId !== organizationId || firmware.product !== product)
        throw DomainError.invalid([`firmware ${uuid} is not a firmware of product ${product}`]);
    };
  }

  /**
   * Waits until both the view and the read model hold a command's events, so the answer shows them; `unavailable`
   * when they do not in time (the answer would show the read model without them), saying what the caller should do:
   * `otherwise`, by default to read it again shortly.
   */
  async settled(result: { version: number }, otherwise?: string): Promise<void> {
    await Promise.all([
      this.view.waitFor(result.version),
      appliedOrUnavailable(this.projection, result.version, otherwise),
    ]);
  }
}
