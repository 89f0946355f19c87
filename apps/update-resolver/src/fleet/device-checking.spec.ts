import { DeviceEvent } from '@flotilla/contracts';
import { DeviceChecking } from './device-checking';

const ids = { identifier: 'd1', organizationId: 'o1' };
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();
const registered: DeviceEvent = {
  type: 'DeviceRegistered',
  data: { ...ids, product: 'p', tags: [], credentialHash: 'h', source: 'admin', registeredAt: at(0) },
};
const attempt = (minute: number, deploymentId = 'D'): DeviceEvent => ({
  type: 'UpdateRequested',
  data: { ...ids, deploymentId, firmwareUuid: 'fw-2', at: at(minute) },
});
const firmwareChanged = (minute: number): DeviceEvent => ({
  type: 'DeviceFirmwareChanged',
  data: {
    ...ids,
    from: null,
    to: { uuid: 'fw-1', product: 'p', version: '1.0.0', architecture: 'x86_64', platform: 'metal' },
    at: at(minute),
  },
});

describe('DeviceChecking', () => {
  it("folds a registered device's attempts and keeps its last commit's sequence", () => {
    const checking = new DeviceChecking();
    checking.apply(3, registered, 10);
    expect(checking.of(3)).toEqual({ attempts: { cutoff: 0, attempts: {} }, version: 10 });
    checking.apply(3, attempt(1), 12);
    checking.apply(3, attempt(2, 'E'), 15);
    checking.apply(3, { type: 'DeviceTagsChanged', data: { ...ids, tags: ['a'], at: at(3) } }, 18);
    expect(checking.of(3)).toEqual({
      attempts: { cutoff: 0, attempts: { D: [[Date.parse(at(1))]], E: [[Date.parse(at(2))]] } },
      version: 18,
    });
    checking.apply(3, firmwareChanged(4), 20);
    expect(checking.of(3)).toEqual({ attempts: { cutoff: Date.parse(at(4)), attempts: {} }, version: 20 });
    expect(checking.of(2)).toBeUndefined();
    expect(checking.of(5_000)).toBeUndefined();
  });

  it("knows a device it did not see registered (a snapshot's) only from an event that starts its attempts over", () => {
    const checking = new DeviceChecking();
    checking.apply(7, attempt(1), 30);
    expect(checking.of(7)).toBeUndefined();
    checking.apply(7, firmwareChanged(2), 31);
    checking.apply(7, attempt(3), 32);
    expect(checking.of(7)).toEqual({
      attempts: { cutoff: Date.parse(at(2)), attempts: { D: [[Date.parse(at(3))]] } },
      version: 32,
    });
    checking.apply(2_000, { type: 'DeviceUnquarantined', data: { ...ids, at: at(4) } }, 33);
    expect(checking.of(2_000)).toEqual({ attempts: { cutoff: Date.parse(at(4)), attempts: {} }, version: 33 });
    // Cleared (a commit passed over or applied late), every row is unknown again.
    checking.clear();
    expect(checking.of(7)).toBeUndefined();
    checking.apply(7, attempt(5), 34);
    expect(checking.of(7)).toBeUndefined();
  });
});
