import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventStore, ExecuteOptions, WorkflowRunner } from '@flotilla/event-store';
import { ConsumerHost, HealthRegistry } from '@flotilla/nest-platform';
import { PostgresParkedStore } from '@flotilla/projections';
import { DeploymentRuleStep, DeploymentRuleTrigger, deploymentRulesWorkflow, RuleFacts } from '@flotilla/update-domain';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { FleetRepositories } from './fleet-repositories';
import { FleetView } from './fleet-view';

/**
 * Runs the deployment rules (libs/update/domain deployment-rules.ts) on the log: every attempt and every device
 * quarantine is a trigger, read by one consumer shared by every instance and judged on this instance's fleet view
 * once the view has read the trigger's commit. A crash at any point leaves the trigger unacknowledged, and the
 * command id derived from it makes a second judgement write nothing.
 */
@Injectable()
export class DeploymentRulesWorkflowHost extends ConsumerHost {
  protected readonly consumer: WorkflowRunner<DeploymentRuleTrigger, RuleFacts, DeploymentRuleStep>;
  private readonly logger = new Logger('deployment-rules');

  constructor(
    store: EventStore,
    view: FleetView,
    private readonly repositories: FleetRepositories,
    parked: PostgresParkedStore,
    health: HealthRegistry,
    @Inject(RESOLVER_CONFIG) config: ResolverConfig,
  ) {
    super(health);
    this.consumer = new WorkflowRunner(store, deploymentRulesWorkflow, {
      name: 'deployment_rules',
      actor: 'update-resolver:deployment-rules',
      concurrency: 32,
      eventTypes: ['UpdateRequested', 'DeviceQuarantined'],
      retry: config.consumerRetry,
      parked,
      logger: this.logger,
      stateFor: async (commit) => {
        await view.waitFor(commit.streamSeq, 60_000);
        return view.ruleFacts;
      },
      take: (step, options) => this.take(step, options),
    });
  }

  private async take({ deploymentId, reason }: DeploymentRuleStep, options: ExecuteOptions): Promise<[]> {
    const result = await this.repositories.deployments.execute(
      deploymentId,
      { type: 'QuarantineDeployment', reason },
      options,
    );
    if (result.events.length && !result.duplicate)
      this.logger.warn({ msg: 'deployment quarantined', deploymentId, reason });
    return [];
  }
}
