import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DeploymentConditions, FailureRules, Firmware, FirmwareMetadata, UpdateEvent } from '@flotilla/contracts';
import { AttemptWindow, DeploymentFacts, DeviceFacts } from '@flotilla/update-domain';
import { Commit, DurableConsumer, EventStore } from '@flotilla/event-store';
import { randomBytes } from 'node:crypto';

export interface DeviceEntry extends DeviceFacts {
  deviceId: string;
  credentialHash: string;
  retired: boolean;
  registeredAt: string;
}

export interface DeploymentEntry {
  deploymentId: string;
  organizationId: string;
  product: string;
  name: string;
  firmwareUuid: string;
  conditions: DeploymentConditions;
  isActive: boolean;
  quarantined: boolean;
  quarantineReason: string | null;
  rules: FailureRules;
  createdAt: string;
  createdOrder: number;
  unquarantinedAt: number;
  /** Attempts since the cut-off, within the failure-rate window. */
  attempts: AttemptWindow;
  totalAttempts: number;
}

const productKey = (organizationId: string, product: string) => `${organizationId}/${product}`;

/**
 * Everything a device check reads, in memory: devices by credential, deployments by product, firmwares. It follows
 * the log through a consumer of this instance's own, so a check that offers nothing touches neither Postgres nor
 * the log, and its cost does not depend on any history.
 */
@Injectable()
export class FleetView implements OnModuleInit, OnApplicationShutdown {
  readonly products = new Map<string, { organizationId: string; name: string; createdAt: string }>();
  readonly firmwares = new Map<string, Firmware & { createdAt: string }>();
  readonly deployments = new Map<string, DeploymentEntry>();
  private readonly deploymentsByProduct = new Map<string, Set<string>>();
  private readonly devices = new Map<string, DeviceEntry>();
  private readonly devicesByCredential = new Map<string, string>();
  /** Eligibility facts per product, rebuilt only after a deployment or firmware changes. */
  private readonly factsByProduct = new Map<string, DeploymentFacts[]>();
  private consumer: DurableConsumer | null = null;
  private position = 0;
  private waiters: { seq: number; resolve: () => void }[] = [];

  constructor(private readonly store: EventStore) {}

  async onModuleInit(): Promise<void> {
    this.consumer = new DurableConsumer(
      this.store,
      {
        durableName: `fleet_view_${randomBytes(6).toString('hex')}`,
        startAfterSeq: 0,
        batchSize: 1000,
        inactiveThresholdMs: 10 * 60_000,
        onError: (err) => new Logger('fleet-view').error({ msg: 'apply failed', error: String(err) }),
      },
      async (commits) => commits.forEach((commit) => this.apply(commit)),
    );
    await this.consumer.start();
    await this.waitFor(await this.store.lastSequence(), 120_000);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  /** Resolves once the view holds the commit at `seq` (read-your-writes for commands). */
  waitFor(seq: number, timeoutMs = 5_000): Promise<void> {
    if (this.position >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fleet view did not reach ${seq} in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ seq, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  device(organizationId: string, deviceId: string): DeviceEntry | undefined {
    return this.devices.get(`${organizationId}/${deviceId}`);
  }

  deviceByCredential(credentialHash: string): DeviceEntry | undefined {
    const key = this.devicesByCredential.get(credentialHash);
    return key ? this.devices.get(key) : undefined;
  }

  devicesOf(organizationId: string, product: string): DeviceEntry[] {
    return [...this.devices.values()].filter((d) => d.organizationId === organizationId && d.product === product && !d.retired);
  }

  deploymentsOf(organizationId: string, product: string): DeploymentEntry[] {
    return [...(this.deploymentsByProduct.get(productKey(organizationId, product)) ?? [])].map((id) => this.deployments.get(id) as DeploymentEntry);
  }

  deploymentByName(organizationId: string, product: string, name: string): DeploymentEntry | undefined {
    return this.deploymentsOf(organizationId, product).find((d) => d.name === name);
  }

  /** Every deployment of a product as eligibility sees it. */
  factsOf(organizationId: string, product: string): DeploymentFacts[] {
    const key = productKey(organizationId, product);
    let facts = this.factsByProduct.get(key);
    if (!facts) {
      facts = this.deploymentsOf(organizationId, product).flatMap((d) => this.facts(d) ?? []);
      this.factsByProduct.set(key, facts);
    }
    return facts;
  }

  /** A deployment as eligibility sees it (null if its firmware is unknown). */
  facts(d: DeploymentEntry): DeploymentFacts | null {
    const fw = this.firmwares.get(d.firmwareUuid);
    if (!fw) return null;
    const firmware: FirmwareMetadata = { uuid: fw.uuid, product: fw.product, version: fw.version, architecture: fw.architecture, platform: fw.platform };
    return { ...d, firmware };
  }

  quarantinedFirmware(organizationId: string, product: string): (FirmwareMetadata | null)[] {
    return this.devicesOf(organizationId, product).filter((d) => d.quarantined).map((d) => d.firmware);
  }

  private apply(commit: Commit): void {
    if (commit.streamSeq <= this.position) return;
    for (const event of commit.events) this.applyEvent({ type: event.type, data: event.data } as UpdateEvent, commit.streamSeq);
    this.position = commit.streamSeq;
    const ready = this.waiters.filter((w) => w.seq <= this.position);
    this.waiters = this.waiters.filter((w) => w.seq > this.position);
    ready.forEach((w) => w.resolve());
  }

  private applyEvent(event: UpdateEvent, seq: number): void {
    if (event.type.startsWith('Deployment') || event.type === 'FirmwareCreated') this.factsByProduct.clear();
    switch (event.type) {
      case 'ProductCreated':
        this.products.set(productKey(event.data.organizationId, event.data.name), event.data);
        return;
      case 'FirmwareCreated':
        this.firmwares.set(event.data.uuid, event.data);
        return;
      case 'DeploymentCreated': {
        const { createdAt, ...data } = event.data;
        this.deployments.set(data.deploymentId, { ...data, createdAt, createdOrder: seq, quarantined: false, quarantineReason: null, unquarantinedAt: 0, attempts: new AttemptWindow(), totalAttempts: 0 });
        const key = productKey(data.organizationId, data.product);
        this.deploymentsByProduct.set(key, (this.deploymentsByProduct.get(key) ?? new Set()).add(data.deploymentId));
        return;
      }
      case 'DeploymentUpdated': {
        const d = this.deployments.get(event.data.deploymentId);
        if (d) Object.assign(d, { firmwareUuid: event.data.firmwareUuid, conditions: event.data.conditions, isActive: event.data.isActive, rules: event.data.rules });
        return;
      }
      case 'DeploymentDeleted': {
        const d = this.deployments.get(event.data.deploymentId);
        if (!d) return;
        this.deployments.delete(d.deploymentId);
        this.deploymentsByProduct.get(productKey(d.organizationId, d.product))?.delete(d.deploymentId);
        return;
      }
      case 'DeploymentQuarantined': {
        const d = this.deployments.get(event.data.deploymentId);
        if (d) Object.assign(d, { quarantined: true, quarantineReason: event.data.reason });
        return;
      }
      case 'DeploymentUnquarantined': {
        const d = this.deployments.get(event.data.deploymentId);
        if (d) Object.assign(d, { quarantined: false, quarantineReason: null, unquarantinedAt: Date.parse(event.data.at), attempts: new AttemptWindow() });
        return;
      }
      case 'DeviceRegistered': {
        const { deviceId, organizationId, product, tags, credentialHash, registeredAt } = event.data;
        const key = `${organizationId}/${deviceId}`;
        this.devices.set(key, { deviceId, organizationId, product, tags, credentialHash, quarantined: false, firmware: null, retired: false, registeredAt });
        this.devicesByCredential.set(credentialHash, key);
        return;
      }
      default:
        this.applyDeviceEvent(event);
    }
  }

  private applyDeviceEvent(event: UpdateEvent): void {
    const { deviceId, organizationId } = event.data as { deviceId: string; organizationId: string };
    const device = this.device(organizationId, deviceId);
    if (!device) return;
    switch (event.type) {
      case 'DeviceTagsChanged':
        device.tags = event.data.tags;
        return;
      case 'DeviceCredentialRotated':
        this.devicesByCredential.delete(device.credentialHash);
        device.credentialHash = event.data.credentialHash;
        this.devicesByCredential.set(device.credentialHash, `${device.organizationId}/${device.deviceId}`);
        return;
      case 'DeviceFirmwareChanged':
        device.firmware = event.data.to;
        return;
      case 'UpdateRequested': {
        const d = this.deployments.get(event.data.deploymentId);
        if (!d) return;
        d.attempts.record(deviceId, Date.parse(event.data.at), d.rules.failureRateSeconds * 1000);
        d.totalAttempts++;
        return;
      }
      case 'DeviceQuarantined':
        device.quarantined = true;
        return;
      case 'DeviceUnquarantined':
        device.quarantined = false;
        return;
      case 'DeviceRetired':
        device.retired = true;
        this.devicesByCredential.delete(device.credentialHash);
        return;
    }
  }
}
