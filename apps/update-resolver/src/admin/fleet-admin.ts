import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@flotilla/decider';
import { ExecuteResult } from '@flotilla/event-store';
import { RequestMeta } from '@flotilla/nest-platform';
import { ProjectionRunner } from '@flotilla/projections';
import { aggregateKey, checkFirmware, DeploymentSettings, DeviceCommand, explainUpdate, failureRateCheck, failureThresholdCheck } from '@flotilla/update-domain';
import { hashCredential, newCredential, provisionedCredential } from '../fleet/device-credentials';
import { FleetRepositories } from '../fleet/fleet-repositories';
import { FleetView } from '../fleet/fleet-view';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { UPDATE_PROJECTION } from '../infrastructure.module';
import { FleetQueries } from './fleet-queries';

type Body = Record<string, unknown> | undefined;

/** A Peridio body's inner object (`{"deployment":{...}}` → `{...}`), or the body itself. */
function inner(body: Body, key: string): Record<string, unknown> {
  const value = body?.[key] ?? body ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw DomainError.invalid([`${key} must be an object`]);
  return value as Record<string, unknown>;
}

function deploymentSettings(raw: Record<string, unknown>): DeploymentSettings {
  return {
    firmwareUuid: typeof raw.firmware === 'string' ? raw.firmware.toLowerCase() : raw.firmware,
    conditions: raw.conditions,
    isActive: raw.is_active,
    rules: {
      failureRate: raw.failure_rate,
      failureRateSeconds: raw.failure_rate_seconds,
      failureThreshold: raw.failure_threshold,
      deviceFailureRate: raw.device_failure_rate,
      deviceFailureRateSeconds: raw.device_failure_rate_seconds,
      deviceFailureThreshold: raw.device_failure_threshold,
    },
  };
}

/**
 * Products, firmwares, deployments and devices (firmware-deployments.md §6), scoped to one organization: a caller
 * confined to another answers as if nothing existed. Commands are checked against the fleet view and go through
 * the aggregates; answers come from the read model once it holds the command's own events.
 */
@Injectable()
export class FleetAdmin {
  constructor(
    private readonly view: FleetView,
    private readonly repositories: FleetRepositories,
    private readonly queries: FleetQueries,
    @Inject(UPDATE_PROJECTION) private readonly projection: ProjectionRunner,
    @Inject(RESOLVER_CONFIG) private readonly config: ResolverConfig,
  ) {}

  /** Waits until both the view and the read model hold a command's events. */
  private async settled(result: ExecuteResult<unknown, never> | { version: number }): Promise<void> {
    await Promise.all([this.view.waitFor(result.version), this.projection.waitFor(result.version)]);
  }

  private knownProduct(meta: RequestMeta, organizationId: string, product: string): void {
    this.queries.scope(meta, organizationId);
    if (!this.view.products.has(`${organizationId}/${product}`)) throw DomainError.notFound('product');
  }

  private knownDevice(meta: RequestMeta, organizationId: string, product: string, identifier: string) {
    this.knownProduct(meta, organizationId, product);
    const device = this.view.device(organizationId, identifier);
    if (!device || device.retired || device.product !== product) throw DomainError.notFound('device');
    return device;
  }

  private knownDeployment(meta: RequestMeta, organizationId: string, product: string, name: string) {
    this.knownProduct(meta, organizationId, product);
    const deployment = this.view.deploymentByName(organizationId, product, name);
    if (!deployment) throw DomainError.notFound('deployment');
    return deployment;
  }

  private checkDeploymentFirmware(organizationId: string, product: string, settings: DeploymentSettings): void {
    if (typeof settings.firmwareUuid !== 'string') return;
    const firmware = this.view.firmwares.get(settings.firmwareUuid);
    if (!firmware || firmware.organizationId !== organizationId || firmware.product !== product) {
      throw DomainError.invalid([`firmware ${settings.firmwareUuid} is not a firmware of product ${product}`]);
    }
  }

  async createProduct(meta: RequestMeta, organizationId: string, body: Body) {
    this.queries.scope(meta, organizationId);
    const name = String(inner(body, 'product').name ?? '');
    await this.settled(await this.repositories.products.execute(aggregateKey(organizationId, name.trim()), { type: 'CreateProduct', organizationId, name }, { metadata: meta }));
    return this.queries.product(meta, organizationId, name.trim());
  }

  /** Products made for servers a batch provisioned: created on first use, an existing one left alone. */
  async ensureProduct(meta: { actor: string }, organizationId: string, name: string): Promise<void> {
    if (this.view.products.has(`${organizationId}/${name}`)) return;
    const created = await this.repositories.products.execute(aggregateKey(organizationId, name), { type: 'CreateProduct', organizationId, name }, { metadata: meta }).catch((err) => {
      if (err instanceof DomainError && err.code === 'conflict') return null;
      throw err;
    });
    if (created) await this.view.waitFor(created.version);
  }

  async createFirmware(meta: RequestMeta, organizationId: string, product: string, body: Body) {
    this.knownProduct(meta, organizationId, product);
    const firmware = checkFirmware({ uuid: randomUUID(), ...inner(body, 'firmware') }, organizationId, product);
    await this.settled(await this.repositories.firmwares.execute(firmware.uuid, { type: 'CreateFirmware', firmware }, { metadata: meta }));
    return this.queries.firmware(meta, organizationId, product, firmware.uuid);
  }

  async createDeployment(meta: RequestMeta, organizationId: string, product: string, body: Body) {
    this.knownProduct(meta, organizationId, product);
    const raw = inner(body, 'deployment');
    const name = raw.name;
    if (typeof name !== 'string' || !name.trim() || name.length > 255) throw DomainError.invalid(['name must be 1 to 255 characters']);
    const settings = deploymentSettings(raw);
    this.checkDeploymentFirmware(organizationId, product, settings);
    const deploymentId = aggregateKey(organizationId, product, name);
    await this.settled(
      await this.repositories.deployments.execute(deploymentId, { type: 'CreateDeployment', deploymentId, organizationId, product, name, settings }, { metadata: meta }),
    );
    return this.queries.deployment(meta, organizationId, product, name);
  }

  async changeDeployment(meta: RequestMeta, organizationId: string, product: string, name: string, change: 'update' | 'delete' | 'quarantine' | 'unquarantine', body?: Body) {
    const { deploymentId } = this.knownDeployment(meta, organizationId, product, name);
    let command;
    if (change === 'update') {
      const settings = deploymentSettings(inner(body, 'deployment'));
      this.checkDeploymentFirmware(organizationId, product, settings);
      command = { type: 'UpdateDeployment' as const, settings };
    } else if (change === 'delete') command = { type: 'DeleteDeployment' as const };
    else if (change === 'quarantine') command = { type: 'QuarantineDeployment' as const, reason: 'operator' };
    else command = { type: 'UnquarantineDeployment' as const };
    await this.settled(await this.repositories.deployments.execute(deploymentId, command, { metadata: meta }));
    return change === 'delete' ? { deleted: true } : this.queries.deployment(meta, organizationId, product, name);
  }

  /** Attempts, devices attempting and quarantined, and each failure rule against its limit: the rules' own code. */
  deploymentHealth(meta: RequestMeta, organizationId: string, product: string, name: string) {
    const d = this.knownDeployment(meta, organizationId, product, name);
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
          failure_rate: { limit: rate.limit, window_seconds: d.rules.failureRateSeconds, value: rate.value, broken: rate.broken },
          failure_threshold: { limit: threshold.limit, value: threshold.value, broken: threshold.broken },
          device_failure_rate: { limit: d.rules.deviceFailureRate, window_seconds: d.rules.deviceFailureRateSeconds },
          device_failure_threshold: { limit: d.rules.deviceFailureThreshold },
        },
      },
    };
  }

  async registerDevice(meta: RequestMeta, organizationId: string, product: string, body: Body) {
    this.knownProduct(meta, organizationId, product);
    const raw = inner(body, 'device');
    const identifier = raw.identifier;
    if (typeof identifier !== 'string' || !identifier.trim() || identifier.length > 255) throw DomainError.invalid(['identifier must be 1 to 255 characters']);
    const credential = newCredential();
    const command: DeviceCommand = { type: 'RegisterDevice', deviceId: identifier, organizationId, product, tags: (raw.tags as string[]) ?? [], credentialHash: hashCredential(credential), source: 'admin' };
    await this.settled(await this.repositories.executeOnDevice(organizationId, identifier, command, { metadata: meta }));
    return { ...(await this.queries.device(meta, organizationId, product, identifier)), credential };
  }

  /** The first credential of a provisioned server, once; after that it can only be rotated. */
  async fetchCredential(meta: RequestMeta, organizationId: string, product: string, identifier: string) {
    this.knownDevice(meta, organizationId, product, identifier);
    await this.settled(await this.repositories.executeOnDevice(organizationId, identifier, { type: 'FetchCredential' }, { metadata: meta }));
    return { ...(await this.queries.device(meta, organizationId, product, identifier)), credential: provisionedCredential(this.config.deviceCredentialKey, organizationId, identifier) };
  }

  async changeDevice(meta: RequestMeta, organizationId: string, product: string, identifier: string, change: 'tags' | 'quarantine' | 'unquarantine' | 'credential', body?: Body) {
    this.knownDevice(meta, organizationId, product, identifier);
    const credential = change === 'credential' ? newCredential() : null;
    const command: DeviceCommand =
      change === 'tags'
        ? { type: 'ChangeTags', tags: inner(body, 'device').tags as string[] }
        : change === 'quarantine'
          ? { type: 'QuarantineDevice', reason: 'operator' }
          : change === 'unquarantine'
            ? { type: 'UnquarantineDevice' }
            : { type: 'RotateCredential', credentialHash: hashCredential(credential as string) };
    await this.settled(await this.repositories.executeOnDevice(organizationId, identifier, command, { metadata: meta }));
    const device = await this.queries.device(meta, organizationId, product, identifier);
    return credential ? { ...device, credential } : device;
  }

  /** Why a device is (not) offered an update: the same facts and rules a check uses. */
  explain(meta: RequestMeta, organizationId: string, product: string, identifier: string) {
    const device = this.knownDevice(meta, organizationId, product, identifier);
    return { explanation: explainUpdate(device, this.view.factsOf(organizationId, product)) };
  }
}
