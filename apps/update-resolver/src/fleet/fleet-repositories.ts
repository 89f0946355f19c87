import { Injectable } from '@nestjs/common';
import { UpdateAggregates } from '@flotilla/contracts';
import {
  aggregateKey,
  deploymentDecider,
  deviceDecider,
  DeviceCommand,
  firmwareDecider,
  productDecider,
} from '@flotilla/update-domain';
import { AggregateRepository, EventStore, ExecuteOptions } from '@flotilla/event-store';

/** The update-resolver's aggregates. Commands on one device run one at a time in this process (no conflict storms). */
@Injectable()
export class FleetRepositories {
  readonly products;
  readonly firmwares;
  readonly deployments;
  private readonly devices;
  private readonly deviceQueues = new Map<string, Promise<unknown>>();

  constructor(store: EventStore) {
    this.products = new AggregateRepository(store, UpdateAggregates.product, productDecider);
    this.firmwares = new AggregateRepository(store, UpdateAggregates.firmware, firmwareDecider);
    this.deployments = new AggregateRepository(store, UpdateAggregates.deployment, deploymentDecider);
    this.devices = new AggregateRepository(store, UpdateAggregates.device, deviceDecider, undefined, {
      maxAttempts: 20,
      cacheSize: 100_000,
    });
  }

  /** The device's aggregate as it is (cached, else read from the log): for deciding without writing. */
  async loadDevice(organizationId: string, identifier: string) {
    return (await this.devices.load(aggregateKey(organizationId, identifier))).state;
  }

  executeOnDevice(organizationId: string, identifier: string, command: DeviceCommand, options: ExecuteOptions) {
    const key = aggregateKey(organizationId, identifier);
    const previous = this.deviceQueues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.devices.execute(key, command, options));
    const settled = run.catch(() => undefined);
    this.deviceQueues.set(key, settled);
    void settled.then(() => {
      if (this.deviceQueues.get(key) === settled) this.deviceQueues.delete(key);
    });
    return run;
  }
}
