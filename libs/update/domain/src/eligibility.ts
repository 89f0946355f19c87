import { DeploymentConditions, FirmwareMetadata } from '@flotilla/events';
import {
  compareVersions,
  InvalidRequirementError,
  InvalidVersionError,
  matchesRequirement,
  parseRequirement,
  parseVersion,
  Requirement,
  satisfiesRequirement,
  Version,
} from './version';

export interface DeviceFacts {
  organizationId: string;
  product: string;
  tags: readonly string[];
  quarantined: boolean;
  firmware: FirmwareMetadata | null;
}

export interface DeploymentFacts {
  deploymentId: string;
  name: string;
  organizationId: string;
  product: string;
  isActive: boolean;
  quarantined: boolean;
  conditions: DeploymentConditions;
  firmware: FirmwareMetadata;
  /** Creation order (the oldest wins the last tie). */
  createdOrder: number;
}

export interface ConditionCheck {
  condition:
    | 'active'
    | 'deployment_not_quarantined'
    | 'device_not_quarantined'
    | 'same_product'
    | 'tags'
    | 'version'
    | 'compatible_firmware';
  held: boolean;
  detail: string;
}

export interface DeploymentVerdict {
  deploymentId: string;
  name: string;
  eligible: boolean;
  checks: ConditionCheck[];
}

export interface UpdateExplanation {
  chosen: string | null;
  reason: string;
  deployments: DeploymentVerdict[];
}

/** Every condition of firmware-deployments.md §3 for one deployment, each with why it held or failed. */
export function checkDeployment(device: DeviceFacts, d: DeploymentFacts): DeploymentVerdict {
  const checks: ConditionCheck[] = [];
  const check = (condition: ConditionCheck['condition'], held: boolean, detail: string) =>
    checks.push({ condition, held, detail });
  check('active', d.isActive, d.isActive ? 'deployment is active' : 'deployment is not active');
  check(
    'deployment_not_quarantined',
    !d.quarantined,
    d.quarantined ? 'deployment is quarantined' : 'deployment is not quarantined',
  );
  check(
    'device_not_quarantined',
    !device.quarantined,
    device.quarantined ? 'device is quarantined' : 'device is not quarantined',
  );
  const sameProduct = d.organizationId === device.organizationId && d.product === device.product;
  check(
    'same_product',
    sameProduct,
    sameProduct ? `both in product ${d.product}` : `device is in product ${device.product}, deployment in ${d.product}`,
  );
  const missing = d.conditions.tags.filter((tag) => !device.tags.includes(tag));
  check(
    'tags',
    missing.length === 0,
    missing.length
      ? `device lacks tags: ${missing.join(', ')}`
      : `device has every tag: ${d.conditions.tags.join(', ')}`,
  );
  if (d.conditions.version) check('version', ...versionHolds(device.firmware?.version, d.conditions.version));
  const fw = device.firmware;
  if (!fw) check('compatible_firmware', false, 'device has reported no firmware');
  else {
    const problems = [
      fw.architecture !== d.firmware.architecture && `architecture ${fw.architecture} ≠ ${d.firmware.architecture}`,
      fw.platform !== d.firmware.platform && `platform ${fw.platform} ≠ ${d.firmware.platform}`,
      fw.uuid === d.firmware.uuid && 'device already runs this firmware',
    ].filter(Boolean);
    check(
      'compatible_firmware',
      problems.length === 0,
      problems.length ? problems.join('; ') : 'same architecture and platform, different firmware',
    );
  }
  return { deploymentId: d.deploymentId, name: d.name, eligible: checks.every((c) => c.held), checks };
}

function versionHolds(version: string | undefined, requirement: string): [boolean, string] {
  if (!version) return [false, `device reported no version; ${requirement} cannot hold`];
  try {
    const held = satisfiesRequirement(version, requirement);
    return [held, `${version} ${held ? 'satisfies' : 'does not satisfy'} ${requirement}`];
  } catch (err) {
    if (err instanceof InvalidVersionError)
      return [false, `device version ${JSON.stringify(version)} is not a valid version`];
    if (err instanceof InvalidRequirementError) return [false, `requirement ${requirement} is not valid`];
    throw err;
  }
}

const requirements = new Map<string, Requirement | null>();
const versions = new Map<string, Version | null>();

/** Parsed once per distinct string: checks run thousands of times a second over the same few requirements. */
function memo<T>(cache: Map<string, T | null>, key: string, parse: (key: string) => T): T | null {
  let value = cache.get(key);
  if (value === undefined) {
    try {
      value = parse(key);
    } catch {
      value = null;
    }
    if (cache.size > 100_000) cache.clear();
    cache.set(key, value);
  }
  return value;
}

/** The same verdict as `checkDeployment(...).eligible`, without building the explanation: the hot path. */
export function isEligible(device: DeviceFacts, d: DeploymentFacts): boolean {
  if (!d.isActive || d.quarantined || device.quarantined) return false;
  if (d.organizationId !== device.organizationId || d.product !== device.product) return false;
  for (const tag of d.conditions.tags) if (!device.tags.includes(tag)) return false;
  const fw = device.firmware;
  if (
    !fw ||
    fw.architecture !== d.firmware.architecture ||
    fw.platform !== d.firmware.platform ||
    fw.uuid === d.firmware.uuid
  )
    return false;
  if (!d.conditions.version) return true;
  const requirement = memo(requirements, d.conditions.version, parseRequirement);
  const version = memo(versions, fw.version, parseVersion);
  return !!requirement && !!version && matchesRequirement(version, requirement);
}

/** Highest firmware version first, then more tags in the condition, then the oldest deployment. */
export function compareCandidates(a: DeploymentFacts, b: DeploymentFacts): number {
  const [x, y] = [memo(versions, a.firmware.version, parseVersion), memo(versions, b.firmware.version, parseVersion)];
  return (
    (x && y ? compareVersions(y, x) : 0) ||
    b.conditions.tags.length - a.conditions.tags.length ||
    a.createdOrder - b.createdOrder
  );
}

/** The deployment a device should be offered, if any (deterministic). */
export function chooseDeployment(device: DeviceFacts, deployments: readonly DeploymentFacts[]): DeploymentFacts | null {
  let best: DeploymentFacts | null = null;
  for (const d of deployments) {
    if (!isEligible(device, d)) continue;
    if (!best || compareCandidates(d, best) < 0) best = d;
  }
  return best;
}

/** The answer for a device with the reasons: every deployment's conditions, the choice and why. */
export function explainUpdate(device: DeviceFacts, deployments: readonly DeploymentFacts[]): UpdateExplanation {
  const verdicts = deployments.map((d) => checkDeployment(device, d));
  const eligible = deployments.filter((_, i) => verdicts[i].eligible).sort(compareCandidates);
  if (eligible.length === 0)
    return {
      chosen: null,
      reason: deployments.length ? 'no deployment meets every condition' : 'the product has no deployments',
      deployments: verdicts,
    };
  const [first, second] = eligible;
  let reason = 'the only eligible deployment';
  if (second) {
    if (compareVersions(first.firmware.version, second.firmware.version) !== 0)
      reason = `highest firmware version (${first.firmware.version})`;
    else if (first.conditions.tags.length !== second.conditions.tags.length)
      reason = `same version; more tags in its condition (${first.conditions.tags.length})`;
    else reason = 'same version and number of tags; the oldest deployment';
  }
  return { chosen: first.deploymentId, reason, deployments: verdicts };
}
