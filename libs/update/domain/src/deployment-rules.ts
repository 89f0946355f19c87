import { DeviceQuarantined, FailureRules, FirmwareMetadata, UpdateRequested } from '@flotilla/events';
import { Workflow, WorkflowStep } from '@flotilla/decider';
import { AttemptWindow } from './attempt-window';

/** What the deployment rules know of a deployment (the resolver's fleet view keeps it from the log). */
export interface DeploymentRuleFacts {
  deploymentId: string;
  organizationId: string;
  product: string;
  quarantined: boolean;
  rules: FailureRules;
  /**
   * Attempts since the deployment's cut-off (creation, new firmware, unquarantine), each device's own cut-off
   * respected.
   */
  attempts: AttemptWindow;
  /** The deployment's firmware; null while it is unknown. */
  firmware: FirmwareMetadata | null;
}

/** What the rules read besides one deployment. */
export interface RuleFacts {
  deployment(deploymentId: string): DeploymentRuleFacts | undefined;
  deploymentsOf(organizationId: string, product: string): DeploymentRuleFacts[];
  productOf(organizationId: string, identifier: string): string | undefined;
  /**
   * Devices of the organization quarantined now whose reported firmware has this uuid, product, architecture and
   * platform.
   */
  quarantinedOn(organizationId: string, firmware: FirmwareMetadata): number;
}

/** A rule against its limit: broken when the value is past the limit ("can have … before" tolerates the limit). */
export interface RuleCheck {
  value: number;
  limit: number;
  broken: boolean;
}

/** Deployment failure rate (§5): devices with ≥ 2 attempts within the last `failureRateSeconds` before `now`. */
export function failureRateCheck(d: DeploymentRuleFacts, now: number): RuleCheck {
  const value = d.attempts.repeatingDevices(now, d.rules.failureRateSeconds * 1000);
  return { value, limit: d.rules.failureRate, broken: value > d.rules.failureRate };
}

/**
 * Deployment failure threshold (§5, the literal reading): quarantined devices reporting the deployment's very firmware.
 */
export function failureThresholdCheck(d: DeploymentRuleFacts, facts: Pick<RuleFacts, 'quarantinedOn'>): RuleCheck {
  const value = d.firmware ? facts.quarantinedOn(d.organizationId, d.firmware) : 0;
  return { value, limit: d.rules.failureThreshold, broken: value > d.rules.failureThreshold };
}

export type DeploymentRuleTrigger = UpdateRequested | DeviceQuarantined;

/** The step the rules take: quarantining a deployment (a no-op on one already quarantined). */
export type DeploymentRuleStep = WorkflowStep & {
  type: 'QuarantineDeployment';
  deploymentId: string;
  reason: 'failure_rate' | 'failure_threshold';
};

/** Nothing known: the state before the fleet view has read anything. */
const noFacts: RuleFacts = {
  deployment: () => undefined,
  deploymentsOf: () => [],
  productOf: () => undefined,
  quarantinedOn: () => 0,
};

/**
 * The deployment rules as a workflow (firmware-deployments.md §5): an attempt may break its deployment's failure
 * rate, judged at the attempt's time; a device quarantine may break the failure threshold of any deployment of its
 * product. Its state is the fleet view's facts, the log as of the trigger (or later), which the view keeps, so
 * `evolve` has nothing to add. Each deployment is quarantined under a command id of its own, once.
 */
export const deploymentRulesWorkflow: Workflow<DeploymentRuleTrigger, RuleFacts, DeploymentRuleStep> = {
  initialState: () => noFacts,
  evolve: (facts) => facts,
  decide(trigger, facts) {
    if (trigger.type === 'UpdateRequested') {
      const d = facts.deployment(trigger.data.deploymentId);
      if (!d || d.quarantined || !failureRateCheck(d, Date.parse(trigger.data.at)).broken) return [];
      return [quarantine(d.deploymentId, 'failure_rate')];
    }
    const { organizationId, identifier } = trigger.data;
    const product = facts.productOf(organizationId, identifier);
    if (product === undefined) return [];
    return facts
      .deploymentsOf(organizationId, product)
      .filter((d) => !d.quarantined && failureThresholdCheck(d, facts).broken)
      .map((d) => quarantine(d.deploymentId, 'failure_threshold'));
  },
};

function quarantine(deploymentId: string, reason: DeploymentRuleStep['reason']): DeploymentRuleStep {
  // A deployment deleted since has nothing to stop.
  return { type: 'QuarantineDeployment', deploymentId, reason, key: deploymentId, tolerate: ['not_found'] };
}
