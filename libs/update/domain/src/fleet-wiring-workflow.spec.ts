import { DeviceDeleted, DeviceProvisioned } from '@flotilla/events';
import { workflowSpecification } from '@flotilla/testing';
import { fleetWiringWorkflow } from './fleet-wiring-workflow';

const wiring = workflowSpecification(fleetWiringWorkflow);
const provisioned: DeviceProvisioned = {
  type: 'DeviceProvisioned',
  data: {
    deviceId: 'd1',
    batchId: 'b1',
    projectId: 'p1',
    organizationId: 'o1',
    index: 0,
    hostname: 'web01',
    plan: 'c3.medium.x86',
    facility: 'ewr1',
    operatingSystem: 'ubuntu_22_04',
    billingCycle: 'hourly',
    tags: ['edge'],
    spotInstance: false,
    spotPriceMax: null,
    spotPrice: null,
    attributes: {},
    provisionedAt: '2026-01-01T00:00:00.000Z',
  },
};

describe('fleet wiring (workflow)', () => {
  it("given a provisioned server, registers it as a device of its plan's product, tagged with where and what it is", () => {
    wiring
      .given([])
      .when(provisioned)
      .then([
        { type: 'EnsureProduct', organizationId: 'o1', product: 'c3.medium.x86', tolerate: ['conflict'] },
        {
          type: 'RegisterDevice',
          command: {
            type: 'RegisterDevice',
            identifier: 'd1',
            organizationId: 'o1',
            product: 'c3.medium.x86',
            tags: ['edge', 'facility:ewr1', 'plan:c3.medium.x86', 'project:p1'],
            source: 'batch',
          },
          key: 'register',
          tolerate: ['conflict'],
        },
      ]);
  });

  it('given a deleted server, retires its device, registered or not yet; one that failed to provision has none', () => {
    const deleted: DeviceDeleted = {
      type: 'DeviceDeleted',
      data: {
        deviceId: 'd1',
        batchId: 'b1',
        organizationId: 'o1',
        plan: 'c3.medium.x86',
        facility: 'ewr1',
        heldCapacity: true,
        deletedAt: '2026-01-01T00:00:00.000Z',
      },
    };
    wiring
      .given([])
      .when(deleted)
      .then([
        {
          type: 'SendToDevice',
          organizationId: 'o1',
          identifier: 'd1',
          command: { type: 'RetireDevice', identifier: 'd1', organizationId: 'o1' },
          key: 'retire',
        },
      ]);
    wiring
      .given([])
      .when({ ...deleted, data: { ...deleted.data, heldCapacity: false } })
      .then([]);
  });
});
