import { DefaultFailureRules, FirmwareMetadata } from '@flotilla/events';
import { AttemptWindow } from './attempt-window';
import { workflowSpecification } from '@flotilla/testing';
import {
  DeploymentRuleFacts,
  DeploymentRuleStep,
  deploymentRulesWorkflow,
  failureRateCheck,
  failureThresholdCheck,
  RuleFacts,
} from './deployment-rules';

const rules = workflowSpecification(deploymentRulesWorkflow);
const quarantined = (deploymentId: string, reason: DeploymentRuleStep['reason']): DeploymentRuleStep => ({
  type: 'QuarantineDeployment',
  deploymentId,
  reason,
  key: deploymentId,
  tolerate: ['not_found'],
});

const firmware = (uuid: string): FirmwareMetadata => ({
  uuid,
  product: 'gw',
  version: '1.0.0',
  architecture: 'arm',
  platform: 'rpi4',
});
const at = (seconds: number) => new Date(Date.parse('2026-01-01T10:00:00Z') + seconds * 1000).toISOString();

function deployment(id: string, overrides: Partial<DeploymentRuleFacts> = {}): DeploymentRuleFacts {
  return {
    deploymentId: id,
    organizationId: 'org',
    product: 'gw',
    quarantined: false,
    rules: { ...DefaultFailureRules, failureRate: 2, failureThreshold: 2 },
    attempts: new AttemptWindow(),
    firmware: firmware(`fw-${id}`),
    ...overrides,
  };
}

/** Facts as the fleet view would hold them after the given attempts and quarantines. */
function facts(deployments: DeploymentRuleFacts[], quarantined: FirmwareMetadata[] = []): RuleFacts {
  return {
    deployment: (id) => deployments.find((d) => d.deploymentId === id),
    deploymentsOf: (org, product) => deployments.filter((d) => d.organizationId === org && d.product === product),
    productOf: () => 'gw',
    quarantinedOn: (_org, fw) =>
      quarantined.filter(
        (q) =>
          q.uuid === fw.uuid &&
          q.product === fw.product &&
          q.architecture === fw.architecture &&
          q.platform === fw.platform,
      ).length,
  };
}

const attempt = (deploymentId: string, identifier: string, seconds: number) => ({
  type: 'UpdateRequested' as const,
  data: { identifier, organizationId: 'org', deploymentId, firmwareUuid: 'fw', at: at(seconds) },
});
const quarantine = (identifier: string) => ({
  type: 'DeviceQuarantined' as const,
  data: { identifier, organizationId: 'org', reason: 'operator', deploymentId: null, at: at(0) },
});

function withAttempts(d: DeploymentRuleFacts, attempts: [identifier: string, seconds: number][]): DeploymentRuleFacts {
  for (const [identifier, seconds] of attempts)
    d.attempts.record(identifier, Date.parse(at(seconds)), d.rules.failureRateSeconds * 1000);
  return d;
}

describe('deployment rules (workflow)', () => {
  it('failure rate: given two devices with two attempts each, when a third device attempts twice, then the deployment is quarantined', () => {
    const d = withAttempts(deployment('a'), [
      ['x', 0],
      ['x', 1],
      ['y', 2],
      ['y', 3],
      ['z', 4],
    ]);
    rules
      .given([], facts([d]))
      .when(attempt('a', 'z', 4))
      .thenNothingLeft();
    withAttempts(d, [['z', 5]]);
    rules
      .given([], facts([d]))
      .when(attempt('a', 'z', 5))
      .then([quarantined('a', 'failure_rate')]);
  });

  it("failure rate: attempts older than the window do not count, judged at the attempt's own time", () => {
    const d = withAttempts(deployment('a'), [
      ['x', 0],
      ['x', 1],
      ['y', 2],
      ['y', 3],
      ['z', 301],
      ['z', 302],
    ]);
    expect(failureRateCheck(d, Date.parse(at(302)))).toEqual({ value: 1, limit: 2, broken: false });
    rules
      .given([], facts([d]))
      .when(attempt('a', 'z', 302))
      .thenNothingLeft();
  });

  it('failure rate: a device whose cut-off moved counts from its cut-off on', () => {
    const d = withAttempts(deployment('a'), [
      ['x', 0],
      ['x', 1],
      ['y', 2],
      ['y', 3],
      ['z', 4],
    ]);
    d.attempts.forget('x');
    withAttempts(d, [['z', 5]]);
    rules
      .given([], facts([d]))
      .when(attempt('a', 'z', 5))
      .thenNothingLeft();
  });

  it('failure rate: a deployment already quarantined is left alone', () => {
    const d = withAttempts(deployment('a', { quarantined: true }), [
      ['x', 0],
      ['x', 1],
      ['y', 2],
      ['y', 3],
      ['z', 4],
      ['z', 5],
    ]);
    rules
      .given([], facts([d]))
      .when(attempt('a', 'z', 5))
      .thenNothingLeft();
  });

  it("failure threshold: more than failure_threshold quarantined devices on a deployment's very firmware quarantine it", () => {
    const a = deployment('a');
    const b = deployment('b');
    const onA = firmware('fw-a');
    rules
      .given([], facts([a, b], [onA, onA]))
      .when(quarantine('q2'))
      .thenNothingLeft();
    rules
      .given([], facts([a, b], [onA, onA, onA, firmware('fw-b')]))
      .when(quarantine('q3'))
      .then([quarantined('a', 'failure_threshold')]);
    expect(failureThresholdCheck(b, facts([a, b], [onA, onA, onA, firmware('fw-b')]))).toEqual({
      value: 1,
      limit: 2,
      broken: false,
    });
  });

  it("failure threshold: firmware of another architecture, platform or product is not the deployment's", () => {
    const onA = firmware('fw-a');
    const others = [
      { ...onA, architecture: 'x86' },
      { ...onA, platform: 'other' },
      { ...onA, product: 'other' },
    ];
    rules
      .given([], facts([deployment('a')], [onA, onA, ...others]))
      .when(quarantine('q'))
      .thenNothingLeft();
  });
});
