import { Inject, Injectable, Logger } from '@nestjs/common';
import { hashCredential } from '@flotilla/contracts';
import { EventStore, ExecuteOptions, WorkflowRunner } from '@flotilla/event-store';
import { ConsumerHost, HealthRegistry } from '@flotilla/nest-platform';
import { PostgresParkedStore } from '@flotilla/projections';
import { aggregateKey, FleetWiringInput, FleetWiringStep, fleetWiringWorkflow } from '@flotilla/update-domain';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { BATCH_EVENT_STORE } from '../infrastructure.module';
import { provisionedCredential } from './device-credentials';
import { FleetRepositories } from './fleet-repositories';
import { FleetView } from './fleet-view';

/**
 * Runs the fleet wiring workflow (libs/update/domain fleet-wiring-workflow.ts) on the batch-orchestrator's log, one
 * consumer shared by every instance, its position kept across restarts.
 */
@Injectable()
export class FleetWiringWorkflowHost extends ConsumerHost {
  protected readonly consumer: WorkflowRunner<FleetWiringInput, null, FleetWiringStep>;

  constructor(
    @Inject(BATCH_EVENT_STORE) batchStore: EventStore,
    private readonly view: FleetView,
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

  /** Products made for provisioned servers, on first use (the step tolerates the conflict of an existing one). */
  private async ensureProduct(organizationId: string, name: string, options: ExecuteOptions): Promise<void> {
    if (this.view.products.has(`${organizationId}/${name}`)) return;
    const command = { type: 'CreateProduct' as const, organizationId, name };
    const created = await this.repositories.products.execute(aggregateKey(organizationId, name), command, options);
    await this.view.waitFor(created.version);
  }

  private async take(step: FleetWiringStep, options: ExecuteOptions): Promise<[]> {
    switch (step.type) {
      case 'EnsureProduct':
        await this.ensureProduct(step.organizationId, step.product, options);
        break;
      case 'RegisterDevice': {
        const { organizationId, identifier } = step.command;
        const credentialHash = hashCredential(
          provisionedCredential(this.config.deviceCredentialKey, organizationId, identifier),
        );
        await this.repositories.executeOnDevice(
          organizationId,
          identifier,
          { ...step.command, credentialHash },
          options,
        );
        break;
      }
      case 'SendToDevice':
        await this.repositories.executeOnDevice(step.organizationId, step.identifier, step.command, options);
        break;
    }
    return [];
  }
}
