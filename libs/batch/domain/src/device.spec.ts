import { DeviceDeleted } from '@flotilla/events';
import { deciderSpecification } from '@flotilla/testing';
import { deviceDecider } from './device';

const spec = deciderSpecification(deviceDecider);
const command = {
  type: 'DeleteDevice' as const,
  deviceId: 'd1',
  batchId: 'b1',
  organizationId: 'o1',
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

describe('device decider', () => {
  it('deletes a device once; deleting it again changes nothing', () => {
    spec.given([]).when(command).then([deleted]);
    spec.given([deleted]).when(command).thenNothingHappened();
  });
});
