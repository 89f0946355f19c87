import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventStore, ExecuteOptions, WorkflowRunner } from '@flotilla/event-store';
import { ConsumerHost, HealthRegistry } from '@flotilla/nest-platform';
import { PostgresParkedStore } from '@flotilla/projections';
import { FleetWiringInput, FleetWiringStep, fleetWiringWorkflow } from '@flotilla/update-domain';
import { FleetAdmin } from '../admin/fleet-admin';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { BATCH_EVENT_STORE } from '../infrastructure.module';
import { hashCredential, provisionedCredential } from './device-credentials';
import { FleetRepositories } from './fleet-repositories';

/**
 * Runs the fleet wiring workflow (libs/update/domain fleet-wiring-workflow.ts) on the batch-orchestrator's log, one
 * consumer shared by every instance, its position kept across restarts.
 */
@Injectable()
export class FleetWiringWorkflowHost extends ConsumerHost {
  protected readonly consumer: WorkflowRunner<FleetWiringInput, null, FleetWiringStep>;

  constructor(
    @Inject(BATCH_EVENT_STORE) batchStore: EventStore,
    private readonly admin: FleetAdmin,
    private readonly repositories: FleetRepositories,
    parked: PostgresParkedStore,
    health: HealthRegistry,
    @Inject(RESOLVER_CONFIG) private readonly config: ResolverConfig,
  ) {
    super(health);
    this.consumer = new WorkflowRunner(batchStore, fleetWiringWorkflow, {
      name: 'update_resolver_fleet_wiring',
      actor: 'update-resolver:fleet-wiring',
      concurrency: 64,
      eventTypes: ['DeviceProvisioned', 'DeviceDeleted'],
      retry: config.consumerRetry,
      parked,
      logger: new Logger('fleet-wiring'),
      take: (step, options) => this.take(step, options),
    });
  }

  private async take(step: FleetWiringStep, options: ExecuteOptions): Promise<[]> {
    switch (step.type) {
      case 'EnsureProduct':
        await this.admin.ensureProduct({ actor: options.metadata.actor }, step.organizationId, step.product);
        break;
      case 'RegisterDevice': {
        const { organizationId, deviceId } = step.command;
        const credentialHash = hashCredential(provisionedCredential(this.config.deviceCredentialKey, organizationId, deviceId));
        await this.repositories.executeOnDevice(organizationId, deviceId, { ...step.command, credentialHash }, options);
        break;
      }
      case 'SendToDevice':
        await this.repositories.executeOnDevice(step.organizationId, step.deviceId, step.command, options);
        break;
    }
    return [];
  }
}
