import { FirmwareMetadata } from '@flotilla/events';
import { chooseDeployment, DeploymentFacts, DeviceFacts, explainUpdate } from './eligibility';

const firmware = (uuid: string, version: string, extra: Partial<FirmwareMetadata> = {}): FirmwareMetadata => ({
  uuid,
  version,
  product: 'p',
  architecture: 'x86_64',
  platform: 'metal',
  ...extra,
});
const device: DeviceFacts = {
  organizationId: 'o1',
  product: 'p',
  tags: ['edge', 'eu'],
  quarantined: false,
  firmware: firmware('fw-1', '1.0.0'),
};
let order = 0;
const deployment = (
  id: string,
  fw: FirmwareMetadata,
  conditions: Partial<DeploymentFacts['conditions']> = {},
  extra: Partial<DeploymentFacts> = {},
): DeploymentFacts => ({
  deploymentId: id,
  name: id,
  organizationId: 'o1',
  product: 'p',
  isActive: true,
  quarantined: false,
  conditions: { tags: ['edge'], version: null, ...conditions },
  firmware: fw,
  createdOrder: order++,
  ...extra,
});

describe('eligibility (firmware-deployments.md §3)', () => {
  it('offers a deployment only when every condition holds', () => {
    const ok = deployment('ok', firmware('fw-2', '1.1.0'));
    expect(chooseDeployment(device, [ok])?.deploymentId).toBe('ok');
    const failing: [string, DeploymentFacts | DeviceFacts][] = [
      ['active', deployment('x', firmware('fw-2', '1.1.0'), {}, { isActive: false })],
      ['deployment_not_quarantined', deployment('x', firmware('fw-2', '1.1.0'), {}, { quarantined: true })],
      ['same_product', deployment('x', firmware('fw-2', '1.1.0'), {}, { product: 'q' })],
      ['same_product', deployment('x', firmware('fw-2', '1.1.0'), {}, { organizationId: 'o2' })],
      ['tags', deployment('x', firmware('fw-2', '1.1.0'), { tags: ['edge', 'us'] })],
      ['version', deployment('x', firmware('fw-2', '1.1.0'), { version: '~> 2.0' })],
      ['compatible_firmware', deployment('x', firmware('fw-2', '1.1.0', { architecture: 'aarch64' }))],
      ['compatible_firmware', deployment('x', firmware('fw-2', '1.1.0', { platform: 'rpi4' }))],
      ['compatible_firmware', deployment('x', firmware('fw-1', '1.0.0'))],
    ];
    for (const [condition, d] of failing) {
      expect(chooseDeployment(device, [d as DeploymentFacts])).toBeNull();
      const verdict = explainUpdate(device, [d as DeploymentFacts]);
      expect(verdict.chosen).toBeNull();
      expect(verdict.deployments[0].checks.filter((c) => !c.held).map((c) => c.condition)).toEqual([condition]);
    }
    expect(explainUpdate({ ...device, quarantined: true }, [ok]).chosen).toBeNull();
  });

  it('fails the version condition, never the request, for a missing or invalid device version', () => {
    const d = deployment('v', firmware('fw-2', '1.1.0'), { version: '>= 0.1.0' });
    const invalid = explainUpdate({ ...device, firmware: firmware('fw-1', 'not-a-version') }, [d]);
    expect(invalid.chosen).toBeNull();
    expect(invalid.deployments[0].checks.find((c) => c.condition === 'version')).toMatchObject({
      held: false,
      detail: expect.stringMatching(/not a valid version/),
    });
    expect(explainUpdate({ ...device, firmware: null }, [d]).chosen).toBeNull();
  });

  it('chooses the highest firmware version, then more tags, then the oldest, and says why', () => {
    const older = deployment('older', firmware('fw-2', '1.2.0'));
    const newer = deployment('newer', firmware('fw-3', '1.10.0'));
    expect(explainUpdate(device, [older, newer])).toMatchObject({
      chosen: 'newer',
      reason: 'highest firmware version (1.10.0)',
    });
    const moreTags = deployment('more-tags', firmware('fw-4', '1.10.0'), { tags: ['edge', 'eu'] });
    expect(explainUpdate(device, [older, newer, moreTags])).toMatchObject({
      chosen: 'more-tags',
      reason: expect.stringMatching(/more tags/),
    });
    const twin = deployment('twin', firmware('fw-5', '1.10.0'), { tags: ['eu', 'edge'] });
    expect(explainUpdate(device, [twin, moreTags]).chosen).toBe('more-tags');
    expect(explainUpdate(device, [moreTags, twin]).reason).toMatch(/oldest/);
    expect(chooseDeployment(device, [twin, newer, older, moreTags])?.deploymentId).toBe('more-tags');
  });
});
