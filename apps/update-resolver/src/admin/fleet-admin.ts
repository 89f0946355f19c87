import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { aggregateKey, checkFirmware, DeploymentSettings, explainUpdate } from '@flotilla/update-domain';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { DeploymentGuard } from '../fleet/deployment-guard';
import { FleetRepositories } from '../fleet/fleet-repositories';
import { FleetView } from '../fleet/fleet-view';
import { deploymentView, deviceView, firmwareView, productView } from './fleet-views';

type Body = Record<string, unknown> | undefined;

const hashCredential = (credential: string) => createHash('sha256').update(credential).digest('hex');
export const newCredential = () => `dev_${randomBytes(32).toString('base64url')}`;

/** A Peridio body's inner object (`{"deployment":{...}}` → `{...}`), or the body itself. */
function inner(body: Body, key: string): Record<string, unknown> {
  const value = body?.[key] ?? body ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw DomainError.invalid([`${key} must be an object`]);
  return value as Record<string, unknown>;
}

function deploymentSettings(raw: Record<string, unknown>): DeploymentSettings {
  const rule = (name: string) => raw[name];
  return {
    firmwareUuid: typeof raw.firmware === 'string' ? raw.firmware.toLowerCase() : raw.firmware,
    conditions: raw.conditions,
    isActive: raw.is_active,
    rules: {
      failureRate: rule('failure_rate'),
      failureRateSeconds: rule('failure_rate_seconds'),
      failureThreshold: rule('failure_threshold'),
      deviceFailureRate: rule('device_failure_rate'),
      deviceFailureRateSeconds: rule('device_failure_rate_seconds'),
      deviceFailureThreshold: rule('device_failure_threshold'),
    },
  };
}

/**
 * Products, firmwares, deployments and devices (firmware-deployments.md §6), scoped to one organization: a caller
 * confined to another answers as if nothing existed. Commands go through the aggregates; answers come from the view
 * once it holds the command's own events.
 */
@Injectable()
export class FleetAdmin {
  constructor(
    private readonly view: FleetView,
    private readonly repositories: FleetRepositories,
    private readonly guard: DeploymentGuard,
  ) {}

  scope(meta: RequestMeta, organizationId: string): void {
    if (meta.organizationId && meta.organizationId !== organizationId) throw DomainError.notFound('organization');
  }

  listProducts(meta: RequestMeta, organizationId: string) {
    this.scope(meta, organizationId);
    return { products: [...this.view.products.values()].filter((p) => p.organizationId === organizationId).map(productView) };
  }

  product(meta: RequestMeta, organizationId: string, name: string) {
    this.scope(meta, organizationId);
    const product = this.view.products.get(`${organizationId}/${name}`);
    if (!product) throw DomainError.notFound('product');
    return product;
  }

  async createProduct(meta: RequestMeta, organizationId: string, body: Body) {
    this.scope(meta, organizationId);
    const name = inner(body, 'product').name as string;
    const result = await this.repositories.products.execute(aggregateKey(organizationId, String(name)), { type: 'CreateProduct', organizationId, name }, { metadata: meta });
    await this.view.waitFor(result.version);
    return { product: productView(this.product(meta, organizationId, String(name).trim())) };
  }

  /** Products made for devices a batch provisioned: created on first use, an existing one left alone. */
  async ensureProduct(meta: RequestMeta, organizationId: string, name: string): Promise<void> {
    if (this.view.products.has(`${organizationId}/${name}`)) return;
    await this.repositories.products.execute(aggregateKey(organizationId, name), { type: 'CreateProduct', organizationId, name }, { metadata: meta }).catch((err) => {
      if (!(err instanceof DomainError && err.code === 'conflict')) throw err;
    });
  }

  async createFirmware(meta: RequestMeta, organizationId: string, product: string, body: Body) {
    this.product(meta, organizationId, product);
    const raw = { uuid: randomUUID(), ...inner(body, 'firmware') };
    const firmware = checkFirmware(raw, organizationId, product);
    const result = await this.repositories.firmwares.execute(firmware.uuid, { type: 'CreateFirmware', firmware }, { metadata: meta });
    await this.view.waitFor(result.version);
    return { firmware: firmwareView(this.firmware(meta, organizationId, product, firmware.uuid)) };
  }

  firmware(meta: RequestMeta, organizationId: string, product: string, uuid: string) {
    this.product(meta, organizationId, product);
    const firmware = this.view.firmwares.get(uuid.toLowerCase());
    if (!firmware || firmware.organizationId !== organizationId || firmware.product !== product) throw DomainError.notFound('firmware');
    return firmware;
  }

  listFirmwares(meta: RequestMeta, organizationId: string, product: string) {
    this.product(meta, organizationId, product);
    const firmwares = [...this.view.firmwares.values()].filter((f) => f.organizationId === organizationId && f.product === product);
    return { firmwares: firmwares.map(firmwareView) };
  }

  private checkDeploymentFirmware(meta: RequestMeta, organizationId: string, product: string, settings: DeploymentSettings): void {
    if (typeof settings.firmwareUuid === 'string') this.firmware(meta, organizationId, product, settings.firmwareUuid);
  }

  async createDeployment(meta: RequestMeta, organizationId: string, product: string, body: Body) {
    this.product(meta, organizationId, product);
    const raw = inner(body, 'deployment');
    const name = raw.name;
    if (typeof name !== 'string' || !name.trim() || name.length > 255) throw DomainError.invalid(['name must be 1 to 255 characters']);
    const settings = deploymentSettings(raw);
    this.checkDeploymentFirmware(meta, organizationId, product, settings);
    const deploymentId = aggregateKey(organizationId, product, name);
    const result = await this.repositories.deployments.execute(
      deploymentId,
      { type: 'CreateDeployment', deploymentId, organizationId, product, name, settings },
      { metadata: meta },
    );
    await this.view.waitFor(result.version);
    return { deployment: deploymentView(this.deployment(meta, organizationId, product, name)) };
  }

  deployment(meta: RequestMeta, organizationId: string, product: string, name: string) {
    this.product(meta, organizationId, product);
    const deployment = this.view.deploymentByName(organizationId, product, name);
    if (!deployment) throw DomainError.notFound('deployment');
    return deployment;
  }

  listDeployments(meta: RequestMeta, organizationId: string, product: string) {
    this.product(meta, organizationId, product);
    return { deployments: this.view.deploymentsOf(organizationId, product).map(deploymentView) };
  }

  async changeDeployment(meta: RequestMeta, organizationId: string, product: string, name: string, change: 'update' | 'delete' | 'quarantine' | 'unquarantine', body?: Body) {
    const { deploymentId } = this.deployment(meta, organizationId, product, name);
    let command;
    if (change === 'update') {
      const settings = deploymentSettings(inner(body, 'deployment'));
      this.checkDeploymentFirmware(meta, organizationId, product, settings);
      command = { type: 'UpdateDeployment' as const, settings };
    } else if (change === 'delete') command = { type: 'DeleteDeployment' as const };
    else if (change === 'quarantine') command = { type: 'QuarantineDeployment' as const, reason: 'operator' };
    else command = { type: 'UnquarantineDeployment' as const };
    const result = await this.repositories.deployments.execute(deploymentId, command, { metadata: meta });
    await this.view.waitFor(result.version);
    return change === 'delete' ? { deleted: true } : { deployment: deploymentView(this.deployment(meta, organizationId, product, name)) };
  }

  /** Attempts, devices attempting and quarantined, and each failure rule against its limit. */
  deploymentHealth(meta: RequestMeta, organizationId: string, product: string, name: string) {
    const d = this.deployment(meta, organizationId, product, name);
    const facts = this.view.facts(d);
    const windowStart = Date.now() - d.rules.failureRateSeconds * 1000;
    const perDevice = new Map<string, number>();
    for (const a of d.attempts) if (a.at > windowStart) perDevice.set(a.deviceId, (perDevice.get(a.deviceId) ?? 0) + 1);
    const quarantinedOnFirmware = facts
      ? this.view.quarantinedFirmware(organizationId, product).filter((f) => f && f.uuid === facts.firmware.uuid && f.architecture === facts.firmware.architecture && f.platform === facts.firmware.platform).length
      : 0;
    return {
      health: {
        deployment: name,
        quarantined: d.quarantined,
        quarantine_reason: d.quarantineReason,
        attempts_total: d.totalAttempts,
        devices_attempting: perDevice.size,
        devices_quarantined: this.view.quarantinedFirmware(organizationId, product).length,
        rules: {
          failure_rate: { limit: d.rules.failureRate, window_seconds: d.rules.failureRateSeconds, value: [...perDevice.values()].filter((n) => n >= 2).length },
          failure_threshold: { limit: d.rules.failureThreshold, value: quarantinedOnFirmware },
          device_failure_rate: { limit: d.rules.deviceFailureRate, window_seconds: d.rules.deviceFailureRateSeconds },
          device_failure_threshold: { limit: d.rules.deviceFailureThreshold },
        },
      },
    };
  }

  async registerDevice(meta: RequestMeta, organizationId: string, product: string, body: Body, source: 'admin' | 'batch' = 'admin') {
    if (source === 'admin') this.product(meta, organizationId, product);
    const raw = inner(body, 'device');
    const identifier = raw.identifier;
    if (typeof identifier !== 'string' || !identifier.trim() || identifier.length > 255) throw DomainError.invalid(['identifier must be 1 to 255 characters']);
    const credential = newCredential();
    const result = await this.repositories.executeOnDevice(
      organizationId,
      identifier,
      { type: 'RegisterDevice', deviceId: identifier, organizationId, product, tags: (raw.tags as string[]) ?? [], credentialHash: hashCredential(credential), source },
      { metadata: meta },
    );
    await this.view.waitFor(result.version);
    return { device: deviceView(this.device(meta, organizationId, product, identifier)), credential };
  }

  device(meta: RequestMeta, organizationId: string, product: string, identifier: string) {
    this.product(meta, organizationId, product);
    const device = this.view.device(organizationId, identifier);
    if (!device || device.retired || device.product !== product) throw DomainError.notFound('device');
    return device;
  }

  listDevices(meta: RequestMeta, organizationId: string, product: string) {
    this.product(meta, organizationId, product);
    return { devices: this.view.devicesOf(organizationId, product).map(deviceView) };
  }

  async changeDevice(meta: RequestMeta, organizationId: string, product: string, identifier: string, change: 'tags' | 'quarantine' | 'unquarantine' | 'credential', body?: Body) {
    this.device(meta, organizationId, product, identifier);
    const credential = change === 'credential' ? newCredential() : null;
    const command =
      change === 'tags'
        ? { type: 'ChangeTags' as const, tags: inner(body, 'device').tags as string[] }
        : change === 'quarantine'
          ? { type: 'QuarantineDevice' as const, reason: 'operator' }
          : change === 'unquarantine'
            ? { type: 'UnquarantineDevice' as const }
            : { type: 'RotateCredential' as const, credentialHash: hashCredential(credential as string) };
    const result = await this.repositories.executeOnDevice(organizationId, identifier, command, { metadata: meta });
    await this.view.waitFor(result.version);
    if (change === 'quarantine' && result.events.length) await this.guard.afterDeviceQuarantined(organizationId, product, { metadata: meta });
    const device = { device: deviceView(this.device(meta, organizationId, product, identifier)) };
    return credential ? { ...device, credential } : device;
  }

  explain(meta: RequestMeta, organizationId: string, product: string, identifier: string) {
    const device = this.device(meta, organizationId, product, identifier);
    return { explanation: explainUpdate(device, this.view.factsOf(organizationId, product)) };
  }
}
