import { DeviceDeleted, DeviceLockChanged } from '@flotilla/events';
import { deciderSpecification } from '@flotilla/testing';
import { deviceDecider } from './device';

const spec = deciderSpecification(deviceDecider);
const facts = { deviceId: 'd1', batchId: 'b1', organizationId: 'o1', lockedAtCreation: false };
const remove = {
  ...facts,
  type: 'DeleteDevice' as const,
  plan: 'c1.small.x86',
  facility: 'ewr1',
  heldCapacity: true,
};
const deleted: DeviceDeleted = {
  type: 'DeviceDeleted',
  data: {
    deviceId: 'd1',
    batchId: 'b1',
    organizationId: 'o1',
    plan: 'c1.small.x86',
    facility: 'ewr1',
    heldCapacity: true,
    deletedAt: '2026-01-01T00:00:00.000Z',
  },
};
const lockChanged = (locked: boolean): DeviceLockChanged => ({
  type: 'DeviceLockChanged',
  data: { deviceId: 'd1', batchId: 'b1', organizationId: 'o1', locked, changedAt: '2026-01-01T00:00:00.000Z' },
});

describe('device decider', () => {
  it('deletes a device once; deleting it again changes nothing', () => {
    spec.given([]).when(remove).then([deleted]);
    spec.given([deleted]).when(remove).thenNothingHappened();
  });

  it('refuses to delete a locked device, locked by its batch item or since, until it is unlocked', () => {
    spec
      .given([])
      .when({ ...remove, lockedAtCreation: true })
      .thenThrows('validation_failed', /locked/);
    spec
      .given([lockChanged(true)])
      .when(remove)
      .thenThrows('validation_failed', /locked/);
    spec
      .given([lockChanged(false)])
      .when({ ...remove, lockedAtCreation: true })
      .then([deleted]);
  });

  it('leaves a locked device as it is when its batch is deleted with its instances', () => {
    spec
      .given([lockChanged(true)])
      .when({ ...remove, unlessLocked: true })
      .thenNothingHappened();
    spec
      .given([])
      .when({ ...remove, unlessLocked: true })
      .then([deleted]);
  });

  it('locks and unlocks, recording only a change, and not once the device is deleted', () => {
    spec
      .given([])
      .when({ ...facts, type: 'SetDeviceLock', locked: true })
      .then([lockChanged(true)]);
    spec
      .given([])
      .when({ ...facts, lockedAtCreation: true, type: 'SetDeviceLock', locked: true })
      .thenNothingHappened();
    spec
      .given([lockChanged(true)])
      .when({ ...facts, type: 'SetDeviceLock', locked: false })
      .then([lockChanged(false)]);
    spec
      .given([deleted])
      .when({ ...facts, type: 'SetDeviceLock', locked: true })
      .thenThrows('not_found');
  });
});
