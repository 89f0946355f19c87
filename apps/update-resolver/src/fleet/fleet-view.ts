import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HealthRegistry } from '@flotilla/nest-platform';
import { DeploymentConditions, FailureRules, Firmware, FirmwareMetadata, UpdateEvent } from '@flotilla/contracts';
import { Commit, EventStore, ParkedCommit, ParkedStatus, SequentialConsumer } from '@flotilla/event-store';
import { PostgresParkedStore } from '@flotilla/projections';
import { AttemptWindow, DeploymentFacts, DeploymentRuleFacts, DeviceFacts, RuleFacts } from '@flotilla/update-domain';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';

export interface DeviceEntry extends DeviceFacts {
  identifier: string;
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
  /** The deployment's part of every cut-off (epoch ms): creation, last firmware change or unquarantine. */
  cutoff: number;
  /** Attempts since the cut-off, within the failure-rate window, each device's own cut-off respected. */
  attempts: AttemptWindow;
  totalAttempts: number;
}

const productKey = (organizationId: string, product: string) => `${organizationId}/${product}`;
const firmwareKey = (organizationId: string, f: FirmwareMetadata) =>
  `${organizationId}\u0000${f.product}\u0000${f.uuid}\u0000${f.architecture}\u0000${f.platform}`;

/**
 * Everything a device check and the deployment rules read, in memory: devices by credential, deployments by product,
 * firmwares, attempt windows and quarantined devices per firmware. Each instance follows the update stream through a
 * sequential consumer of its own, from the start of the log (platform.md §4a); a stream recreated under the same
 * name makes it start over. A commit is applied event by event.
 */
@Injectable()
export class FleetView implements OnModuleInit, OnApplicationShutdown {
  readonly products = new Map<string, { organizationId: string; name: string; createdAt: string }>();
  readonly firmwares = new Map<string, Firmware & { createdAt: string }>();
  readonly deployments = new Map<string, DeploymentEntry>();
  private readonly deploymentsByProduct = new Map<string, Set<string>>();
  private readonly devices = new Map<string, DeviceEntry>();
  private readonly devicesByCredential = new Map<string, string>();
  private readonly quarantinedByFirmware = new Map<string, number>();
  /** Eligibility facts per product, rebuilt only after a deployment or firmware changes. */
  private readonly factsByProduct = new Map<string, DeploymentFacts[]>();
  readonly consumer: SequentialConsumer;
  private position = 0;
  private streamCreated: string | null = null;
  private waiters: { seq: number; resolve: () => void }[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly parked: PostgresParkedStore,
    private readonly health: HealthRegistry,
    @Inject(RESOLVER_CONFIG) config: ResolverConfig,
  ) {
    this.consumer = new SequentialConsumer(
      store,
      {
        name: 'fleet_view',
        batchSize: 1_000,
        perInstance: true,
        parked,
        retry: config.consumerRetry,
        logger: new Logger('fleet-view'),
      },
      {
        position: async () => {
          const { created } = await this.store.currentIdentity();
          if (this.streamCreated !== null && this.streamCreated !== created) this.reset();
          this.streamCreated = created;
          return this.position;
        },
        apply: async (commits) => {
          for (const commit of commits) this.apply(commit);
          return this.position;
        },
        park: async (commit: ParkedCommit) => {
          await this.parked.park(commit);
          this.advance(commit.streamSeq);
          return this.position;
        },
        retry: async (commit: Commit, status: ParkedStatus) => {
          this.applyEvents(commit);
          if (status === 'retry') await this.parked.markRetried(this.consumer.name, commit.streamSeq);
        },
      },
    );
  }

  onModuleInit(): void {
    this.consumer.start();
    this.health.watchConsumers([this.consumer]);
  }

  /** Resolves once the view holds the whole log as it was when asked: the resolver answers checks only then. */
  async caughtUp(): Promise<void> {
    const end = await this.store.lastSequence();
    if (this.position < end) await new Promise<void>((resolve) => this.waiters.push({ seq: end, resolve }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }

  /** Resolves once the view holds the commit at `seq` (read-your-writes for commands). */
  waitFor(seq: number, timeoutMs = 5_000): Promise<void> {
    if (this.position >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`fleet view timed out before reaching ${seq} (${timeoutMs} ms)`)),
        timeoutMs,
      );
      this.waiters.push({ seq, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  device(organizationId: string, identifier: string): DeviceEntry | undefined {
    return this.devices.get(`${organizationId}/${identifier}`);
  }

  deviceByCredential(credentialHash: string): DeviceEntry | undefined {
    const key = this.devicesByCredential.get(credentialHash);
    return key ? this.devices.get(key) : undefined;
  }

  deploymentsOf(organizationId: string, product: string): DeploymentEntry[] {
    return [...(this.deploymentsByProduct.get(productKey(organizationId, product)) ?? [])].map(
      (id) => this.deployments.get(id) as DeploymentEntry,
    );
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
    const firmware = this.firmwareOf(d);
    return firmware ? { ...d, firmware } : null;
  }

  private firmwareOf(d: DeploymentEntry): FirmwareMetadata | null {
    const fw = this.firmwares.get(d.firmwareUuid);
    return fw
      ? {
          uuid: fw.uuid,
          product: fw.product,
          version: fw.version,
          architecture: fw.architecture,
          platform: fw.platform,
        }
      : null;
  }

  /** The view as the deployment rules read it (one place for the process manager and the health endpoint). */
  readonly ruleFacts: RuleFacts = {
    deployment: (deploymentId) => {
      const d = this.deployments.get(deploymentId);
      return d && this.ruleFactsOf(d);
    },
    deploymentsOf: (organizationId, product) =>
      this.deploymentsOf(organizationId, product).map((d) => this.ruleFactsOf(d)),
    productOf: (organizationId, identifier) => this.device(organizationId, identifier)?.product,
    quarantinedOn: (organizationId, firmware) =>
      this.quarantinedByFirmware.get(firmwareKey(organizationId, firmware)) ?? 0,
  };

  private ruleFactsOf(d: DeploymentEntry): DeploymentRuleFacts {
    const { deploymentId, organizationId, product, quarantined, rules, attempts } = d;
    return { deploymentId, organizationId, product, quarantined, rules, attempts, firmware: this.firmwareOf(d) };
  }

  private apply(commit: Commit): void {
    if (commit.streamSeq <= this.position) return;
    this.applyEvents(commit);
    this.advance(commit.streamSeq);
  }

  private advance(position: number): void {
    if (position <= this.position) return;
    this.position = position;
    const ready = this.waiters.filter((w) => w.seq <= this.position);
    this.waiters = this.waiters.filter((w) => w.seq > this.position);
    ready.forEach((w) => w.resolve());
  }

  /** A stream recreated under the same name: what the view holds belonged to the old one. */
  private reset(): void {
    for (const map of [
      this.products,
      this.firmwares,
      this.deployments,
      this.deploymentsByProduct,
      this.devices,
      this.devicesByCredential,
      this.quarantinedByFirmware,
      this.factsByProduct,
    ]) {
      map.clear();
    }
    this.position = 0;
  }

  private applyEvents(commit: Commit): void {
    for (const event of commit.events)
      this.applyEvent({ type: event.type, data: event.data } as UpdateEvent, commit.streamSeq);
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
        const cutoff = Date.parse(createdAt);
        this.deployments.set(data.deploymentId, {
          ...data,
          createdAt,
          createdOrder: seq,
          quarantined: false,
          quarantineReason: null,
          cutoff,
          attempts: new AttemptWindow(),
          totalAttempts: 0,
        });
        const key = productKey(data.organizationId, data.product);
        this.deploymentsByProduct.set(key, (this.deploymentsByProduct.get(key) ?? new Set()).add(data.deploymentId));
        return;
      }
      case 'DeploymentUpdated': {
        const d = this.deployments.get(event.data.deploymentId);
        if (!d) return;
        // New firmware starts the deployment over: no attempts count from before.
        if (event.data.firmwareUuid !== d.firmwareUuid)
          Object.assign(d, {
            cutoff: Date.parse(event.data.updatedAt),
            attempts: new AttemptWindow(),
            totalAttempts: 0,
          });
        Object.assign(d, {
          firmwareUuid: event.data.firmwareUuid,
          conditions: event.data.conditions,
          isActive: event.data.isActive,
          rules: event.data.rules,
        });
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
        if (d)
          Object.assign(d, {
            quarantined: false,
            quarantineReason: null,
            cutoff: Date.parse(event.data.at),
            attempts: new AttemptWindow(),
          });
        return;
      }
      case 'DeviceRegistered': {
        const { identifier, organizationId, product, tags, credentialHash, registeredAt } = event.data;
        const key = `${organizationId}/${identifier}`;
        this.devices.set(key, {
          identifier,
          organizationId,
          product,
          tags,
          credentialHash,
          quarantined: false,
          firmware: null,
          retired: false,
          registeredAt,
        });
        this.devicesByCredential.set(credentialHash, key);
        return;
      }
      default:
        this.applyDeviceEvent(event);
    }
  }

  private applyDeviceEvent(event: UpdateEvent): void {
    const { identifier, organizationId } = event.data as { identifier: string; organizationId: string };
    const device = this.device(organizationId, identifier);
    if (!device) return;
    switch (event.type) {
      case 'DeviceTagsChanged':
        device.tags = event.data.tags;
        return;
      case 'DeviceCredentialRotated':
        this.devicesByCredential.delete(device.credentialHash);
        device.credentialHash = event.data.credentialHash;
        this.devicesByCredential.set(device.credentialHash, `${device.organizationId}/${device.identifier}`);
        return;
      case 'DeviceFirmwareChanged':
        this.countQuarantined(device, -1);
        device.firmware = event.data.to;
        this.countQuarantined(device, +1);
        this.cutOff(device);
        return;
      case 'UpdateRequested': {
        const d = this.deployments.get(event.data.deploymentId);
        if (!d) return;
        d.attempts.record(identifier, Date.parse(event.data.at), d.rules.failureRateSeconds * 1000);
        d.totalAttempts++;
        return;
      }
      case 'DeviceQuarantined':
        if (device.quarantined) return;
        device.quarantined = true;
        this.countQuarantined(device, +1);
        return;
      case 'DeviceUnquarantined':
        if (!device.quarantined) return;
        this.countQuarantined(device, -1);
        device.quarantined = false;
        this.cutOff(device);
        return;
      case 'DeviceRetired':
        this.countQuarantined(device, -1);
        device.retired = true;
        this.devicesByCredential.delete(device.credentialHash);
        return;
    }
  }

  /** Keeps the count of quarantined devices per reported firmware (the failure-threshold rule reads it). */
  private countQuarantined(device: DeviceEntry, delta: 1 | -1): void {
    if (!device.quarantined || device.retired || !device.firmware) return;
    const key = firmwareKey(device.organizationId, device.firmware);
    const count = (this.quarantinedByFirmware.get(key) ?? 0) + delta;
    if (count > 0) this.quarantinedByFirmware.set(key, count);
    else this.quarantinedByFirmware.delete(key);
  }

  /** The device's cut-off moved: its attempts so far no longer count toward any deployment's failure rate. */
  private cutOff(device: DeviceEntry): void {
    for (const d of this.deploymentsOf(device.organizationId, device.product)) d.attempts.forget(device.identifier);
  }
}
