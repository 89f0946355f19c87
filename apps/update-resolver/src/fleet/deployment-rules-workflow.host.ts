import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventStore, ExecuteOptions, SequentialConsumer } from '@flotilla/event-store';
import { ConsumerHost, HealthRegistry } from '@flotilla/nest-platform';
import { CheckpointedWorkflowRunner } from '@flotilla/projections';
import { DeploymentRuleStep, deploymentRulesWorkflow } from '@flotilla/update-domain';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { FleetRepositories } from './fleet-repositories';
import { FleetView } from './fleet-view';

/**
 * Runs the deployment rules (libs/update/domain deployment-rules.ts) on the log: every attempt and every device
 * quarantine is a trigger, judged on this instance's fleet view once the view has read the trigger's commit. Every
 * instance judges every trigger, from the deliveries its view takes, and moves a checkpoint they share forward once
 * it has; a crash at any point leaves the trigger past the checkpoint, and the command id derived from it makes a
 * second judgement write nothing (a shared JetStream consumer, as before, has each attempt delivered and acknowledged
 * on its own: docs/performance.md).
 */
@Injectable()
export class DeploymentRulesWorkflowHost extends ConsumerHost {
  protected readonly consumer: SequentialConsumer;
  private readonly logger = new Logger('deployment-rules');

  constructor(
    store: EventStore,
    view: FleetView,
    private readonly repositories: FleetRepositories,
    dataSource: DataSource,
    health: HealthRegistry,
    @Inject(RESOLVER_CONFIG) config: ResolverConfig,
  ) {
    super(health);
    const rules = new CheckpointedWorkflowRunner(store, dataSource, deploymentRulesWorkflow, {
      name: 'deployment_rules',
      actor: 'update-resolver:deployment-rules',
      eventTypes: ['UpdateRequested', 'DeviceQuarantined'],
      schema: config.databaseSchema,
      formerConsumer: 'deployment_rules',
      retry: config.consumerRetry,
      logger: this.logger,
      stateFor: async (commit) => {
        await view.waitFor(commit.streamSeq, 60_000);
        return view.ruleFacts;
      },
      take: (step, options) => this.take(step, options),
    });
    rules.consumer.follow(view.consumer);
    this.consumer = rules.consumer;
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
