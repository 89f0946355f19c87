import { Inject, Injectable, Logger } from '@nestjs/common';
import { DeviceEvent, UpdateAggregates } from '@flotilla/contracts';
import {
  aggregateKey,
  deploymentDecider,
  deviceDecider,
  DeviceCommand,
  DeviceState,
  deviceStateFormat,
  firmwareDecider,
  productDecider,
} from '@flotilla/update-domain';
import { AggregateRepository, describeError, EventStore, ExecuteOptions, ExecuteResult } from '@flotilla/event-store';
import { PostgresAggregateSnapshots } from '@flotilla/projections';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';

/**
 * The update-resolver's aggregates. Commands on one device run one at a time in this process (no conflict storms).
 * A device gains a commit with every update it is offered, for as long as it lives: its aggregate is snapshotted
 * every so many commits, so its first check after a start reads as much whatever the length of its history.
 */
@Injectable()
export class FleetRepositories {
  private readonly logger = new Logger('snapshots');
  readonly products;
  readonly firmwares;
  readonly deployments;
  private readonly devices;
  private readonly deviceQueues = new Map<string, Promise<unknown>>();

  constructor(
    store: EventStore,
    snapshots: PostgresAggregateSnapshots,
    @Inject(RESOLVER_CONFIG) config: Pick<ResolverConfig, 'deviceSnapshotEvery'>,
  ) {
    this.products = new AggregateRepository(store, UpdateAggregates.product, productDecider);
    this.firmwares = new AggregateRepository(store, UpdateAggregates.firmware, firmwareDecider);
    this.deployments = new AggregateRepository(store, UpdateAggregates.deployment, deploymentDecider);
    this.devices = new AggregateRepository(store, UpdateAggregates.device, deviceDecider, undefined, {
      maxAttempts: 20,
      cacheSize: 100_000,
      snapshots: {
        store: snapshots,
        format: deviceStateFormat,
        every: config.deviceSnapshotEvery,
        ended: (state) => state.status === 'retired',
        onSaveError: (err) => this.logger.warn({ msg: 'device snapshot not saved', error: describeError(err) }),
        onReadError: (err) => this.logger.warn({ msg: 'device snapshot not read', error: describeError(err) }),
      },
    });
  }

  /** The device's aggregate as it is (cached, else read from the log): for deciding without writing. */
  async loadDevice(organizationId: string, identifier: string) {
    return (await this.devices.load(aggregateKey(organizationId, identifier))).state;
  }

  executeOnDevice(organizationId: string, identifier: string, command: DeviceCommand, options: ExecuteOptions) {
    const key = aggregateKey(organizationId, identifier);
    return this.queued(key, () => this.devices.execute(key, command, options));
  }

  /**
   * A check's command on its device. With the device's state as the fleet view holds it when the command's turn
   * comes (`known`: complete in what a check decides on), a device not in the cache is decided on that instead of
   * being read from the log first (`executeFrom`).
   */
  executeCheck(
    organizationId: string,
    identifier: string,
    command: DeviceCommand,
    options: Omit<ExecuteOptions, 'commandId' | 'fingerprint'>,
    known: () => { state: DeviceState; version: number } | undefined,
  ): Promise<Pick<ExecuteResult<DeviceState, DeviceEvent>, 'version' | 'events'>> {
    const key = aggregateKey(organizationId, identifier);
    return this.queued(key, () => {
      const state = known();
      return state
        ? this.devices.executeFrom(key, state, command, options)
        : this.devices.execute(key, command, options);
    });
  }

  /** Runs `command` after this process's commands on the device before it: one at a time per device. */
  private queued<T>(key: string, command: () => Promise<T>): Promise<T> {
    const previous = this.deviceQueues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(command);
    const settled = run.catch(() => undefined);
    this.deviceQueues.set(key, settled);
    void settled.then(() => {
      if (this.deviceQueues.get(key) === settled) this.deviceQueues.delete(key);
    });
    return run;
  }
}
