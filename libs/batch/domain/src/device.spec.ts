import { DeviceDeleted, DeviceLockChanged, DeviceUpdated } from '@flotilla/events';
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
    const lock = (locked: boolean) => ({ ...facts, type: 'UpdateDevice' as const, changes: { locked } });
    spec
      .given([])
      .when(lock(true))
      .then([lockChanged(true)]);
    spec
      .given([])
      .when({ ...lock(true), lockedAtCreation: true })
      .thenNothingHappened();
    spec
      .given([lockChanged(true)])
      .when(lock(false))
      .then([lockChanged(false)]);
    spec.given([deleted]).when(lock(true)).thenThrows('not_found');
  });

  it('records the details given, with a lock change beside them, and not once the device is deleted', () => {
    const details = { hostname: 'web-7', description: '', tags: [], customdata: { rack: 4 } };
    const updated: DeviceUpdated = {
      type: 'DeviceUpdated',
      data: { deviceId: 'd1', batchId: 'b1', organizationId: 'o1', ...details, updatedAt: '2026-01-01T00:00:00.000Z' },
    };
    const update = { ...facts, type: 'UpdateDevice' as const, changes: details };
    spec.given([]).when(update).then([updated]);
    spec
      .given([updated])
      .when({ ...update, changes: { ...details, locked: true } })
      .then([lockChanged(true), updated]);
    spec
      .given([])
      .when({ ...update, changes: { hostname: 'web-8' } })
      .then([
        {
          ...updated,
          data: {
            deviceId: 'd1',
            batchId: 'b1',
            organizationId: 'o1',
            hostname: 'web-8',
            updatedAt: updated.data.updatedAt,
          },
        },
      ]);
    spec.given([deleted]).when(update).thenThrows('not_found');
  });
});
