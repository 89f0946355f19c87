import {
  DefaultFailureRules,
  DeploymentConditions,
  DeploymentEvent,
  FailureRules,
  UpdateLimits,
} from '@flotilla/events';
import { Decider, DomainError, everyProblem } from '@flotilla/decider';
import { isTagList } from './device';
import { InvalidRequirementError, parseRequirement } from './version';

export interface DeploymentState {
  status: 'absent' | 'live' | 'deleted';
  deploymentId: string;
  organizationId: string;
  product: string;
  name: string;
  firmwareUuid: string;
  conditions: DeploymentConditions;
  isActive: boolean;
  quarantined: boolean;
  rules: FailureRules;
  createdAt: string;
  /**
   * Its part of every cut-off (epoch ms): its creation, last firmware change or unquarantine; attempts before it do not
   * count.
   */
  cutoff: number;
}

export interface DeploymentSettings {
  firmwareUuid?: unknown;
  conditions?: unknown;
  isActive?: unknown;
  rules?: Partial<Record<keyof FailureRules, unknown>>;
}

export type DeploymentCommand =
  | {
      type: 'CreateDeployment';
      deploymentId: string;
      organizationId: string;
      product: string;
      name: string;
      settings: DeploymentSettings;
    }
  | { type: 'UpdateDeployment'; settings: DeploymentSettings }
  | { type: 'DeleteDeployment' }
  | { type: 'QuarantineDeployment'; reason: string }
  | { type: 'UnquarantineDeployment' };

const RULE_FIELDS: [keyof FailureRules, string][] = [
  ['failureRate', 'failure_rate'],
  ['failureRateSeconds', 'failure_rate_seconds'],
  ['failureThreshold', 'failure_threshold'],
  ['deviceFailureRate', 'device_failure_rate'],
  ['deviceFailureRateSeconds', 'device_failure_rate_seconds'],
  ['deviceFailureThreshold', 'device_failure_threshold'],
];

/** Settings over a base (the defaults, or the deployment as it is), with every problem listed. */
export function checkSettings(
  settings: DeploymentSettings,
  base: { firmwareUuid?: string; conditions?: DeploymentConditions; isActive: boolean; rules: FailureRules },
) {
  const problems: string[] = [];
  const firmwareUuid = settings.firmwareUuid ?? base.firmwareUuid;
  if (typeof firmwareUuid !== 'string' || firmwareUuid.length === 0) problems.push('firmware is required');

  let conditions = base.conditions;
  if (settings.conditions !== undefined) {
    const raw = settings.conditions as { tags?: unknown; version?: unknown } | null;
    const tags = raw?.tags;
    if (!isTagList(tags) || tags.length === 0) {
      problems.push(
        `conditions.tags must be a non-empty array of at most ${UpdateLimits.tags} tags of 1 to ${UpdateLimits.tagLength} characters`,
      );
    }
    let version: string | null = null;
    if (raw?.version !== undefined && raw?.version !== null && raw?.version !== '') {
      if (typeof raw.version !== 'string' || raw.version.length > UpdateLimits.requirementLength)
        problems.push(`conditions.version must be a string of at most ${UpdateLimits.requirementLength} characters`);
      else {
        try {
          parseRequirement(raw.version);
          version = raw.version;
        } catch (err) {
          if (!(err instanceof InvalidRequirementError)) throw err;
          problems.push(`conditions.version "${raw.version}" is not a valid version requirement`);
        }
      }
    }
    conditions = { tags: Array.isArray(tags) ? (tags as string[]) : [], version };
  }
  if (!conditions) problems.push('conditions are required');

  const isActive = settings.isActive ?? base.isActive;
  if (typeof isActive !== 'boolean') problems.push('is_active must be true or false');

  const rules = { ...base.rules };
  for (const [field, name] of RULE_FIELDS) {
    const value = settings.rules?.[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > UpdateLimits.ruleValue)
      problems.push(`${name} must be an integer from 1 to ${UpdateLimits.ruleValue}`);
    else rules[field] = value;
  }
  if (problems.length) throw DomainError.invalid(problems);
  return {
    firmwareUuid: firmwareUuid as string,
    conditions: conditions as DeploymentConditions,
    isActive: isActive as boolean,
    rules,
  };
}

/** A new deployment's settings over the defaults, every problem listed: a deployment is created inactive. */
export function checkNewSettings(settings: DeploymentSettings) {
  const [checked] = everyProblem(
    () => checkSettings(settings, { isActive: false, rules: DefaultFailureRules }),
    () => {
      if (settings.isActive === true)
        throw DomainError.invalid(['is_active must be false when a deployment is created']);
    },
  );
  return checked;
}

export const initialDeploymentState = (): DeploymentState => ({
  status: 'absent',
  deploymentId: '',
  organizationId: '',
  product: '',
  name: '',
  firmwareUuid: '',
  conditions: { tags: [], version: null },
  isActive: false,
  quarantined: false,
  rules: DefaultFailureRules,
  createdAt: '',
  cutoff: 0,
});

export const deploymentDecider: Decider<DeploymentCommand, DeploymentState, DeploymentEvent> = {
  initialState: initialDeploymentState,

  decide(command, state, { now }) {
    const at = now.toISOString();
    if (command.type === 'CreateDeployment') {
      if (state.status === 'live') throw DomainError.conflict(`deployment ${command.name} already exists`);
      const checked = checkNewSettings(command.settings);
      const { deploymentId, organizationId, product, name } = command;
      return [
        { type: 'DeploymentCreated', data: { deploymentId, organizationId, product, name, ...checked, createdAt: at } },
      ];
    }
    if (state.status !== 'live') throw DomainError.notFound('deployment');
    const { deploymentId } = state;
    switch (command.type) {
      case 'UpdateDeployment': {
        const checked = checkSettings(command.settings, state);
        return [{ type: 'DeploymentUpdated', data: { deploymentId, ...checked, updatedAt: at } }];
      }
      case 'DeleteDeployment':
        return [{ type: 'DeploymentDeleted', data: { deploymentId, deletedAt: at } }];
      case 'QuarantineDeployment':
        return state.quarantined
          ? []
          : [{ type: 'DeploymentQuarantined', data: { deploymentId, reason: command.reason, at } }];
      case 'UnquarantineDeployment':
        return state.quarantined ? [{ type: 'DeploymentUnquarantined', data: { deploymentId, at } }] : [];
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'DeploymentCreated': {
        const { createdAt, ...data } = event.data;
        return { ...initialDeploymentState(), ...data, status: 'live', createdAt, cutoff: Date.parse(createdAt) };
      }
      case 'DeploymentUpdated': {
        const { updatedAt, deploymentId: _id, ...data } = event.data;
        return {
          ...state,
          ...data,
          cutoff: data.firmwareUuid === state.firmwareUuid ? state.cutoff : Date.parse(updatedAt),
        };
      }
      case 'DeploymentDeleted':
        return { ...state, status: 'deleted' };
      case 'DeploymentQuarantined':
        return { ...state, quarantined: true };
      case 'DeploymentUnquarantined':
        return { ...state, quarantined: false, cutoff: Date.parse(event.data.at) };
    }
  },
};
