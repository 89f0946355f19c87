import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@flotilla/decider';
import { asDomainEvent, Commit, EventStore, SharedConsumer } from '@flotilla/event-store';
import { ConsumerHost, HealthRegistry } from '@flotilla/nest-platform';
import { PostgresParkedStore } from '@flotilla/projections';
import { DeploymentRuleTrigger, deploymentRules } from '@flotilla/update-domain';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { FleetRepositories } from './fleet-repositories';
import { FleetView } from './fleet-view';

const ACTOR = 'update-resolver:deployment-rules';
const TRIGGERS: readonly string[] = ['UpdateRequested', 'DeviceQuarantined'];

/**
 * Runs the deployment failure-rate and failure-threshold rules (libs/update/domain deployment-rules.ts) from the
 * log: every attempt and every device quarantine is a trigger, read by one consumer shared by every instance, judged
 * on this instance's fleet view once it holds the trigger. A crash at any point leaves the trigger unacknowledged,
 * and the command id derived from it makes a second judgement write nothing; a quarantined deployment is quarantined
 * once however many triggers find it past a rule.
 */
@Injectable()
export class DeploymentRulesProcessManager extends ConsumerHost {
  protected readonly consumer: SharedConsumer;
  private readonly logger = new Logger('deployment-rules');

  constructor(
    store: EventStore,
    private readonly view: FleetView,
    private readonly repositories: FleetRepositories,
    parked: PostgresParkedStore,
    health: HealthRegistry,
    @Inject(RESOLVER_CONFIG) config: ResolverConfig,
  ) {
    super(health);
    this.consumer = new SharedConsumer(
      store,
      { name: 'deployment_rules', concurrency: 32, eventTypes: TRIGGERS, retry: config.consumerRetry, parked, logger: this.logger },
      (commit) => this.handle(commit),
    );
  }

  private async handle(commit: Commit): Promise<void> {
    await this.view.waitFor(commit.streamSeq, 60_000);
    for (const event of commit.events) {
      if (!TRIGGERS.includes(event.type)) continue;
      for (const command of deploymentRules(asDomainEvent<DeploymentRuleTrigger>(event), this.view.ruleFacts)) {
        const metadata = { actor: ACTOR, correlationId: commit.metadata.correlationId, causationId: event.id };
        const result = await this.repositories.deployments
          .execute(command.deploymentId, { type: 'QuarantineDeployment', reason: command.reason }, { metadata, commandId: `deployment-rules:${event.id}:${command.deploymentId}` })
          .catch((err) => {
            if (err instanceof DomainError && err.code === 'not_found') return null; // deleted since: nothing to stop
            throw err;
          });
        if (result?.events.length && !result.duplicate) this.logger.warn({ msg: 'deployment quarantined', deploymentId: command.deploymentId, reason: command.reason });
      }
    }
  }
}
