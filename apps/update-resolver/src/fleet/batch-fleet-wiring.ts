import { Inject, Injectable, Logger } from '@nestjs/common';
import { DeviceDeleted, DeviceProvisioned } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { Commit, EventStore, SharedConsumer } from '@flotilla/event-store';
import { ConsumerHost, HealthRegistry } from '@flotilla/nest-platform';
import { PostgresParkedStore } from '@flotilla/projections';
import { FleetAdmin } from '../admin/fleet-admin';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { BATCH_EVENT_STORE } from '../infrastructure.module';
import { hashCredential, provisionedCredential } from './device-credentials';
import { FleetRepositories } from './fleet-repositories';

const ACTOR = 'update-resolver:fleet-wiring';

/** Tags a provisioned server carries: its batch's tags plus where and what it is (firmware-deployments.md §1). */
export function provisionedTags(device: DeviceProvisioned['data']): string[] {
  return [...device.tags, `facility:${device.facility}`, `plan:${device.plan}`, `project:${device.projectId}`];
}

/**
 * A process manager on the batch-orchestrator's log (one consumer shared by every instance, its position kept across
 * restarts): a provisioned server is registered as a device of the product named after its plan; a deleted one is
 * retired. Each command's id comes from the commit that caused it, so reading a commit again, however late, changes
 * nothing; a retired server is never registered again.
 */
@Injectable()
export class BatchFleetWiring extends ConsumerHost {
  protected readonly consumer: SharedConsumer;

  constructor(
    @Inject(BATCH_EVENT_STORE) batchStore: EventStore,
    private readonly admin: FleetAdmin,
    private readonly repositories: FleetRepositories,
    parked: PostgresParkedStore,
    health: HealthRegistry,
    @Inject(RESOLVER_CONFIG) private readonly config: ResolverConfig,
  ) {
    super(health);
    this.consumer = new SharedConsumer(
      batchStore,
      {
        name: 'update_resolver_fleet_wiring',
        concurrency: 64,
        eventTypes: ['DeviceProvisioned', 'DeviceDeleted'],
        retry: config.consumerRetry,
        parked,
        logger: new Logger('fleet-wiring'),
      },
      (commit) => this.handle(commit),
    );
  }

  private async handle(commit: Commit): Promise<void> {
    for (const event of commit.events) {
      const options = { metadata: { actor: ACTOR, correlationId: commit.metadata.correlationId, causationId: event.id }, commandId: `fleet-wiring:${event.id}` };
      if (event.type === 'DeviceProvisioned') {
        const device = event.data as DeviceProvisioned['data'];
        await this.admin.ensureProduct({ actor: ACTOR }, device.organizationId, device.plan);
        const credentialHash = hashCredential(provisionedCredential(this.config.deviceCredentialKey, device.organizationId, device.deviceId));
        const command = { type: 'RegisterDevice' as const, deviceId: device.deviceId, organizationId: device.organizationId, product: device.plan, tags: provisionedTags(device), credentialHash, source: 'batch' as const };
        await this.repositories.executeOnDevice(device.organizationId, device.deviceId, command, options).catch(ignore('conflict'));
      }
      if (event.type === 'DeviceDeleted') {
        const { organizationId, deviceId } = event.data as DeviceDeleted['data'];
        await this.repositories.executeOnDevice(organizationId, deviceId, { type: 'RetireDevice' }, options).catch(ignore('not_found'));
      }
    }
  }
}

/** A device registered by hand under the same identifier, or one that was never registered: nothing to do. */
function ignore(code: string) {
  return (err: unknown) => {
    if (!(err instanceof DomainError && err.code === code)) throw err;
  };
}
