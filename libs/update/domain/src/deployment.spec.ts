import { DefaultFailureRules, DeploymentEvent } from '@flotilla/events';
import { deciderSpecification } from '@flotilla/testing';
import { deploymentDecider } from './deployment';

const spec = deciderSpecification(deploymentDecider);
const at = '2026-01-01T00:00:00.000Z';
const create = (settings: Record<string, unknown>) => ({
  type: 'CreateDeployment' as const,
  deploymentId: 'D',
  organizationId: 'o1',
  product: 'p',
  name: 'beta',
  settings,
});
const created: DeploymentEvent = {
  type: 'DeploymentCreated',
  data: {
    deploymentId: 'D',
    organizationId: 'o1',
    product: 'p',
    name: 'beta',
    firmwareUuid: 'fw',
    conditions: { tags: ['beta'], version: '~> 1.0' },
    isActive: false,
    rules: DefaultFailureRules,
    createdAt: at,
  },
};

describe('deployment decider', () => {
  it("creates an inactive deployment with NervesHub's failure defaults", () => {
    spec
      .given([])
      .when(create({ firmwareUuid: 'fw', conditions: { tags: ['beta'], version: '~> 1.0' } }))
      .then([created]);
  });

  it('refuses what is wrong, listing every problem', () => {
    spec
      .given([])
      .when(
        create({
          conditions: { tags: [], version: '>= 1.0' },
          isActive: 'yes',
          rules: { failureRate: 0, deviceFailureThreshold: 1.5 },
        }),
      )
      .thenThrows(
        'validation_failed',
        /firmware is required; conditions.tags must be a non-empty array of at most 200 tags of 1 to 255 characters; conditions.version ">= 1.0" is not a valid version requirement; is_active must be true or false; failure_rate must be an integer from 1 to 2147483647; device_failure_threshold must be/,
      );
    // Limits: as many tags as a device may hold, a requirement of a kilobyte, rules that fit 32 bits.
    spec
      .given([])
      .when(
        create({
          firmwareUuid: 'fw',
          conditions: { tags: Array.from({ length: 201 }, (_, i) => `t${i}`), version: `~> 1.0${' '.repeat(1_024)}` },
          rules: { failureRateSeconds: 2 ** 31 },
        }),
      )
      .thenThrows(
        'validation_failed',
        /^conditions.tags must be .*; conditions.version must be a string of at most 1024 characters; failure_rate_seconds must be an integer from 1 to 2147483647$/,
      );
    spec
      .given([])
      .when(create({ firmwareUuid: 'fw', conditions: { tags: ['a'], version: '~> 1 .0' }, isActive: true }))
      .thenThrows(
        'validation_failed',
        /^conditions.version "~> 1 .0" is not a valid version requirement; is_active must be false when a deployment is created$/,
      );
    spec
      .given([created])
      .when(create({ firmwareUuid: 'fw', conditions: { tags: ['a'] } }))
      .thenThrows('conflict');
  });

  it('treats an empty version condition as none', () => {
    const events = spec.decide(create({ firmwareUuid: 'fw', conditions: { tags: ['a'], version: '' } }), spec.fold([]));
    expect((events[0] as Extract<DeploymentEvent, { type: 'DeploymentCreated' }>).data.conditions).toEqual({
      tags: ['a'],
      version: null,
    });
  });

  it('activates by update, keeping what the update does not name', () => {
    spec
      .given([created])
      .when({ type: 'UpdateDeployment', settings: { isActive: true } })
      .then([
        {
          type: 'DeploymentUpdated',
          data: {
            deploymentId: 'D',
            firmwareUuid: 'fw',
            conditions: { tags: ['beta'], version: '~> 1.0' },
            isActive: true,
            rules: DefaultFailureRules,
            updatedAt: at,
          },
        },
      ]);
  });

  it('quarantines once, unquarantines once; a deleted deployment is not found', () => {
    const quarantined: DeploymentEvent = {
      type: 'DeploymentQuarantined',
      data: { deploymentId: 'D', reason: 'failure_rate', at },
    };
    spec.given([created]).when({ type: 'QuarantineDeployment', reason: 'failure_rate' }).then([quarantined]);
    spec
      .given([created, quarantined])
      .when({ type: 'QuarantineDeployment', reason: 'failure_rate' })
      .thenNothingHappened();
    spec
      .given([created, quarantined])
      .when({ type: 'UnquarantineDeployment' })
      .then([{ type: 'DeploymentUnquarantined', data: { deploymentId: 'D', at } }]);
    spec
      .given([created, { type: 'DeploymentDeleted', data: { deploymentId: 'D', deletedAt: at } }])
      .when({ type: 'UpdateDeployment', settings: {} })
      .thenThrows('not_found');
  });

  it('moves its cut-off when created again under the same name, given new firmware, or unquarantined; not otherwise', () => {
    const later = (minutes: number) => new Date(Date.parse(at) + minutes * 60_000).toISOString();
    const settings = {
      firmwareUuid: 'fw',
      conditions: { tags: ['beta'], version: '~> 1.0' },
      isActive: true,
      rules: DefaultFailureRules,
    };
    const updated = (firmwareUuid: string, minutes: number): DeploymentEvent => ({
      type: 'DeploymentUpdated',
      data: { deploymentId: 'D', ...settings, firmwareUuid, updatedAt: later(minutes) },
    });
    expect(spec.fold([created]).cutoff).toBe(Date.parse(at));
    expect(spec.fold([created, updated('fw', 5)]).cutoff).toBe(Date.parse(at));
    expect(spec.fold([created, updated('fw-2', 5)]).cutoff).toBe(Date.parse(later(5)));
    const deleted: DeploymentEvent = { type: 'DeploymentDeleted', data: { deploymentId: 'D', deletedAt: later(6) } };
    const recreated: DeploymentEvent = {
      ...created,
      data: {
        ...(created.data as Extract<DeploymentEvent, { type: 'DeploymentCreated' }>['data']),
        createdAt: later(9),
      },
    } as DeploymentEvent;
    expect(spec.fold([created, updated('fw-2', 5), deleted, recreated]).cutoff).toBe(Date.parse(later(9)));
    expect(
      spec.fold([
        created,
        { type: 'DeploymentQuarantined', data: { deploymentId: 'D', reason: 'operator', at } },
        { type: 'DeploymentUnquarantined', data: { deploymentId: 'D', at: later(7) } },
      ]).cutoff,
    ).toBe(Date.parse(later(7)));
  });
});
