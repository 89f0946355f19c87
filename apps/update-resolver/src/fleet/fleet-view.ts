import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { HealthRegistry } from '@flotilla/nest-platform';
import {
  DeploymentConditions,
  DeviceEvent,
  FailureRules,
  Firmware,
  FirmwareMetadata,
  UpdateEvent,
} from '@flotilla/contracts';
import { Commit, EventStore, ParkedCommit, ParkedStatus, SequentialConsumer } from '@flotilla/event-store';
import { PostgresParkedStore } from '@flotilla/projections';
import {
  AttemptWindow,
  checkingState,
  chooseDeployment,
  DeploymentFacts,
  DeploymentRuleFacts,
  DeviceFacts,
  DeviceState,
  RuleFacts,
} from '@flotilla/update-domain';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { DeviceChecking } from './device-checking';
import { DeviceColumns, DeviceEntry, DeviceTable, QUARANTINED } from './device-table';
import { FleetCatalog, FleetContents, FleetSnapshotReader } from './fleet-snapshot';
import { FleetSnapshotStore } from './fleet-snapshot-store';

export interface ProductEntry {
  organizationId: string;
  name: string;
  createdAt: string;
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
/** Devices' facts whose choice is remembered at once; past it the memory starts again (a fleet has far fewer). */
const MAX_CHOICES = 100_000;
const firmwareKey = (organizationId: string, f: FirmwareMetadata) =>
  `${organizationId}\u0000${f.product}\u0000${f.uuid}\u0000${f.architecture}\u0000${f.platform}`;

/**
 * Everything a device check and the deployment rules read, in memory: devices by credential, deployments by product,
 * firmwares, attempt windows and quarantined devices per firmware. Each instance follows the update stream through a
 * sequential consumer of its own (platform.md §4a), from the newest snapshot of the view (fleet-snapshot.ts) or else
 * from the start of the log; a stream recreated under the same name makes it start over. A commit is applied event
 * by event.
 */
@Injectable()
export class FleetView implements OnModuleInit, OnApplicationShutdown {
  readonly products = new Map<string, ProductEntry>();
  readonly firmwares = new Map<string, Firmware & { createdAt: string }>();
  readonly deployments = new Map<string, DeploymentEntry>();
  private readonly deploymentsByProduct = new Map<string, Set<string>>();
  private readonly devices = new DeviceTable();
  private readonly checking = new DeviceChecking();
  private readonly quarantinedByFirmware = new Map<string, number>();
  /** Eligibility facts per product, rebuilt only after a deployment or firmware changes. */
  private readonly factsByProduct = new Map<string, DeploymentFacts[]>();
  /**
   * The deployment chosen for a device's facts, by those facts (devices alike in product, tags and firmware share
   * one); forgotten, with `factsByProduct`, when a deployment or firmware changes.
   */
  private readonly choices = new Map<string, DeploymentFacts | null>();
  readonly consumer: SequentialConsumer;
  private position = 0;
  /** The stream position the view started reading after: its snapshot's, or 0 (the whole log). */
  startedFrom = 0;
  private readonly startedFromGauge: Gauge;
  private streamCreated: string | null = null;
  /** Commits passed over as parked and not retried since: a snapshot keeps them, for a later retry to reach. */
  private readonly skipped = new Set<number>();
  private waiters: { seq: number; resolve: () => void }[] = [];
  private readonly logger = new Logger('fleet-view');

  constructor(
    private readonly store: EventStore,
    private readonly parked: PostgresParkedStore,
    private readonly snapshots: FleetSnapshotStore,
    private readonly health: HealthRegistry,
    @Inject(RESOLVER_CONFIG) config: ResolverConfig,
  ) {
    this.startedFromGauge = new Gauge({
      name: 'flotilla_fleet_view_started_from',
      help: 'Stream sequence the fleet view started reading after: its snapshot, or 0 for the whole log',
      registers: [health.metrics],
    });
    this.consumer = new SequentialConsumer(
      store,
      {
        name: 'fleet_view',
        batchSize: 1_000,
        perInstance: true,
        parked,
        retry: config.consumerRetry,
        logger: this.logger,
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
          this.skipped.add(commit.streamSeq);
          this.checking.clear(); // its device's attempts would miss it
          this.advance(commit.streamSeq);
          return this.position;
        },
        retry: async (commit: Commit, status: ParkedStatus) => {
          this.checking.clear(); // applied out of order
          this.applyEvents(commit);
          this.skipped.delete(commit.streamSeq);
          if (status === 'retry') await this.parked.markRetried(this.consumer.name, commit.streamSeq);
        },
      },
    );
  }

  async onModuleInit(): Promise<void> {
    await this.restore();
    this.consumer.start();
    this.health.watchConsumers([this.consumer]);
  }

  /** The stream position the view holds. */
  get streamSeq(): number {
    return this.position;
  }

  /**
   * A copy of the view's contents as they are now, taken in one go (a few columns and the catalog): a snapshot is
   * written from it while the view goes on. Null: the view has not looked at its stream yet.
   */
  contents(): FleetContents | null {
    if (this.streamCreated === null) return null;
    return {
      streamSeq: this.position,
      streamCreated: this.streamCreated,
      skipped: [...this.skipped],
      products: [...this.products.values()],
      firmwares: [...this.firmwares.values()],
      deployments: [...this.deployments.values()].map((d) => ({ ...d, attempts: d.attempts.live() })),
      devices: this.devices.copy(),
      checking: this.checking.copy(this.devices.size),
    };
  }

  /**
   * Starts from the newest snapshot of this stream, if there is one this code can read; else (or if it cannot be read
   * whole) from the start of the log.
   */
  private async restore(): Promise<void> {
    const started = performance.now();
    try {
      const { name, created } = await this.store.currentIdentity();
      const { header, skipped } = await this.snapshots.newest(name, created);
      if (skipped) this.logger.warn({ msg: 'snapshots of another format passed over', count: skipped });
      if (!header) return;
      // A stream restored from an older backup keeps its identity: a snapshot past its end tells of commits it lacks.
      const end = await this.store.lastSequence();
      if (header.streamSeq > end)
        throw new Error(`snapshot ${header.id} reflects sequence ${header.streamSeq}, past the stream's end at ${end}`);
      const reader = new FleetSnapshotReader(header.devices);
      for await (const text of this.snapshots.partsOf(header)) {
        const catalog = reader.read(text);
        if (catalog) this.restoreCatalog(catalog);
      }
      if (reader.digest() !== header.sha256) throw new Error(`snapshot ${header.id} does not match its checksum`);
      const { devices, checking } = reader.allDevices();
      this.devices.load(devices);
      this.checking.load(checking);
      this.countQuarantinedIn(devices);
      this.streamCreated = created;
      this.position = this.startedFrom = header.streamSeq;
      this.startedFromGauge.set(header.streamSeq);
      this.consumer.watchParked(this.skipped);
      this.logger.log({
        msg: 'started from a snapshot',
        snapshot: header.id,
        streamSeq: header.streamSeq,
        devices: header.devices,
        ms: Math.round(performance.now() - started),
      });
    } catch (err) {
      this.reset();
      this.logger.warn({ msg: 'no snapshot read, reading the whole log', error: (err as Error).message });
    }
  }

  private restoreCatalog({ products, firmwares, deployments, skipped }: FleetCatalog): void {
    for (const p of products) this.products.set(productKey(p.organizationId, p.name), p);
    for (const f of firmwares) this.firmwares.set(f.uuid, f);
    for (const d of deployments) this.addDeployment({ ...d, attempts: AttemptWindow.of(d.attempts) });
    skipped.forEach((seq) => this.skipped.add(seq));
  }

  /**
   * Resolves once the view holds the whole log as it was when asked (the resolver answers checks only then), failing
   * after `timeoutMs` if one is given.
   */
  async caughtUp(timeoutMs?: number): Promise<void> {
    const end = await this.store.lastSequence();
    if (timeoutMs !== undefined) return this.waitFor(end, timeoutMs);
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
    const row = this.devices.rowOf(organizationId, identifier);
    return row === undefined ? undefined : this.devices.entry(row);
  }

  deviceByCredential(credentialHash: string): DeviceEntry | undefined {
    const row = this.devices.rowByCredential(credentialHash);
    return row === undefined ? undefined : this.devices.entry(row);
  }

  /**
   * The device's state as a check's commands read it, made from this view, with the sequence of the device's last
   * commit as the view applied it; undefined when the view does not know its attempts (`DeviceChecking`).
   */
  checkingStateOf(organizationId: string, identifier: string): { state: DeviceState; version: number } | undefined {
    const row = this.devices.rowOf(organizationId, identifier);
    const known = row === undefined ? undefined : this.checking.of(row);
    if (!known) return undefined;
    const device = this.devices.entry(row as number);
    return device.retired ? undefined : { state: checkingState(device, known.attempts), version: known.version };
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

  /** `chooseDeployment` for a device among its product's deployments; the same answer, worked out once per facts. */
  chooseFor(device: DeviceFacts): DeploymentFacts | null {
    if (device.quarantined) return null;
    const fw = device.firmware;
    const key = [
      device.organizationId,
      device.product,
      fw ? `${fw.uuid}\n${fw.version}\n${fw.architecture}\n${fw.platform}` : '',
      ...device.tags,
    ].join('\n');
    let chosen = this.choices.get(key);
    if (chosen === undefined) {
      chosen = chooseDeployment(device, this.factsOf(device.organizationId, device.product));
      if (this.choices.size >= MAX_CHOICES) this.choices.clear();
      this.choices.set(key, chosen);
    }
    return chosen;
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
      this.quarantinedByFirmware,
      this.factsByProduct,
      this.choices,
      this.skipped,
      this.checking,
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
    if (event.type.startsWith('Deployment') || event.type === 'FirmwareCreated') {
      this.factsByProduct.clear();
      this.choices.clear();
    }
    switch (event.type) {
      case 'ProductCreated':
        this.products.set(productKey(event.data.organizationId, event.data.name), event.data);
        return;
      case 'FirmwareCreated':
        this.firmwares.set(event.data.uuid, event.data);
        return;
      case 'DeploymentCreated': {
        const { createdAt, ...data } = event.data;
        this.addDeployment({
          ...data,
          createdAt,
          createdOrder: seq,
          quarantined: false,
          quarantineReason: null,
          cutoff: Date.parse(createdAt),
          attempts: new AttemptWindow(),
          totalAttempts: 0,
        });
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
        const { identifier, organizationId, product, tags, credentialHash } = event.data;
        const row = this.devices.put({
          identifier,
          organizationId,
          product,
          tags,
          credentialHash,
          quarantined: false,
          firmware: null,
          retired: false,
        });
        this.checking.apply(row, event, seq);
        return;
      }
      default:
        this.applyDeviceEvent(event, seq);
    }
  }

  private addDeployment(d: DeploymentEntry): void {
    this.deployments.set(d.deploymentId, d);
    const key = productKey(d.organizationId, d.product);
    this.deploymentsByProduct.set(key, (this.deploymentsByProduct.get(key) ?? new Set()).add(d.deploymentId));
  }

  private applyDeviceEvent(event: DeviceEvent, seq: number): void {
    const { identifier, organizationId } = event.data;
    const row = this.devices.rowOf(organizationId, identifier);
    if (row === undefined) return;
    const device = this.devices.entry(row);
    this.checking.apply(row, event, seq);
    switch (event.type) {
      case 'DeviceTagsChanged':
        this.devices.setTags(row, event.data.tags);
        return;
      case 'DeviceCredentialRotated':
        this.devices.setCredential(row, event.data.credentialHash);
        return;
      case 'DeviceFirmwareChanged':
        this.countQuarantined(device, -1);
        this.devices.setFirmware(row, event.data.to);
        this.countQuarantined({ ...device, firmware: event.data.to }, +1);
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
        this.devices.setQuarantined(row, true);
        this.countQuarantined({ ...device, quarantined: true }, +1);
        return;
      case 'DeviceUnquarantined':
        if (!device.quarantined) return;
        this.countQuarantined(device, -1);
        this.devices.setQuarantined(row, false);
        this.cutOff(device);
        return;
      case 'DeviceRetired':
        this.countQuarantined(device, -1);
        this.devices.retire(row);
        return;
    }
  }

  /** Keeps the count of quarantined devices per reported firmware (the failure-threshold rule reads it). */
  private countQuarantined(
    device: Pick<DeviceEntry, 'organizationId' | 'quarantined' | 'retired' | 'firmware'>,
    delta: 1 | -1,
  ): void {
    if (!device.quarantined || device.retired || !device.firmware) return;
    const key = firmwareKey(device.organizationId, device.firmware);
    const count = (this.quarantinedByFirmware.get(key) ?? 0) + delta;
    if (count > 0) this.quarantinedByFirmware.set(key, count);
    else this.quarantinedByFirmware.delete(key);
  }

  /** Counts the quarantined devices of rows a snapshot brought. */
  private countQuarantinedIn(c: DeviceColumns): void {
    // Quarantined and not retired: flags exactly QUARANTINED, found by a native scan (most fleets have few).
    const flags = c.flags.subarray(0, c.size);
    for (let row = flags.indexOf(QUARANTINED); row >= 0; row = flags.indexOf(QUARANTINED, row + 1)) {
      if (c.firmware[row] < 0) continue;
      const organizationId = c.values[c.organizationId[row]] as string;
      const firmware = c.values[c.firmware[row]] as FirmwareMetadata;
      this.countQuarantined({ organizationId, quarantined: true, retired: false, firmware }, +1);
    }
  }

  /** The device's cut-off moved: its attempts so far no longer count toward any deployment's failure rate. */
  private cutOff(device: DeviceEntry): void {
    // Every firmware report comes here, for each of the product's deployments: no list is made for it.
    const ids = this.deploymentsByProduct.get(productKey(device.organizationId, device.product));
    for (const id of ids ?? []) this.deployments.get(id)?.attempts.forget(device.identifier);
  }
}
