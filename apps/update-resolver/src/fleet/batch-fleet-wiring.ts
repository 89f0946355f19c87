import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DeviceDeleted, DeviceProvisioned } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { DurableConsumer, EventStore } from '@flotilla/event-store';
import { FleetAdmin } from '../admin/fleet-admin';
import { FleetRepositories } from './fleet-repositories';

export const BATCH_EVENT_STORE = Symbol('BatchEventStore');
const wiring = { actor: 'update-resolver:fleet-wiring', organizationId: null, correlationId: undefined };

/** Tags a provisioned server carries: its batch's tags plus where and what it is (firmware-deployments.md §1). */
export function provisionedTags(device: DeviceProvisioned['data']): string[] {
  return [...device.tags, `facility:${device.facility}`, `plan:${device.plan}`, `project:${device.projectId}`];
}

/**
 * Follows the batch-orchestrator's log (one consumer shared by every instance): a provisioned server is registered
 * as a device of the product named after its plan; a deleted one is retired. Both are safe to apply twice.
 */
@Injectable()
export class BatchFleetWiring implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: DurableConsumer | null = null;
  private readonly logger = new Logger('fleet-wiring');

  constructor(
    @Inject(BATCH_EVENT_STORE) private readonly batchStore: EventStore,
    private readonly admin: FleetAdmin,
    private readonly repositories: FleetRepositories,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = new DurableConsumer(
      this.batchStore,
      {
        durableName: 'update_resolver_fleet_wiring',
        startAfterSeq: 0,
        batchSize: 256,
        concurrency: 64,
        eventTypes: ['DeviceProvisioned', 'DeviceDeleted'],
        onError: (err) => this.logger.error({ msg: 'provisioned device not wired yet, will retry', error: String(err) }),
      },
      async ([commit]) => {
        for (const event of commit.events) {
          if (event.type === 'DeviceProvisioned') await this.register(event.data as DeviceProvisioned['data']);
          if (event.type === 'DeviceDeleted') await this.retire(event.data as DeviceDeleted['data']);
        }
      },
    );
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }

  private async register(device: DeviceProvisioned['data']): Promise<void> {
    await this.admin.ensureProduct(wiring, device.organizationId, device.plan);
    await this.admin
      .registerDevice(wiring, device.organizationId, device.plan, { device: { identifier: device.deviceId, tags: provisionedTags(device) } }, 'batch')
      .catch(ignore('conflict'));
  }

  private async retire(deleted: DeviceDeleted['data']): Promise<void> {
    await this.repositories.executeOnDevice(deleted.organizationId, deleted.deviceId, { type: 'RetireDevice' }, { metadata: wiring }).catch(ignore('not_found'));
  }
}

function ignore(code: string) {
  return (err: unknown) => {
    if (!(err instanceof DomainError && err.code === code)) throw err;
  };
}
