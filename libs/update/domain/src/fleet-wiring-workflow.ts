import { DeviceDeleted, DeviceProvisioned } from '@flotilla/events';
import { Workflow, WorkflowStep } from '@flotilla/decider';
import { DeviceCommand } from './device';

export type FleetWiringInput = DeviceProvisioned | DeviceDeleted;

type RegisterDevice = Extract<DeviceCommand, { type: 'RegisterDevice' }>;

export type FleetWiringStep = WorkflowStep &
  /** The product a provisioned server belongs to: created unless it exists. */
  (
    | { type: 'EnsureProduct'; organizationId: string; product: string }
    /** Registered with the credential the device derives from its id (the runtime holds the key that signs it). */
    | { type: 'RegisterDevice'; command: Omit<RegisterDevice, 'credentialHash'> }
    | { type: 'SendToDevice'; organizationId: string; identifier: string; command: DeviceCommand }
  );

/** Tags a provisioned server carries: its batch's tags plus where and what it is (firmware-deployments.md §1). */
export function provisionedTags(device: DeviceProvisioned['data']): string[] {
  return [...device.tags, `facility:${device.facility}`, `plan:${device.plan}`, `project:${device.projectId}`];
}

/**
 * Wires the batch side's servers into the fleet: a provisioned server is registered as a device of the product named
 * after its plan, its batch device id becoming its identifier; a deleted one is retired. A retired server is never
 * registered again (the device aggregate says so), however late its DeviceProvisioned is read again.
 */
export const fleetWiringWorkflow: Workflow<FleetWiringInput, null, FleetWiringStep> = {
  initialState: () => null,
  evolve: (state) => state,
  decide(input) {
    if (input.type === 'DeviceProvisioned') {
      const device = input.data;
      return [
        // A product that exists (made by hand, or by another server of the plan) is left alone.
        { type: 'EnsureProduct', organizationId: device.organizationId, product: device.plan, tolerate: ['conflict'] },
        {
          type: 'RegisterDevice',
          command: {
            type: 'RegisterDevice',
            identifier: device.deviceId,
            organizationId: device.organizationId,
            product: device.plan,
            tags: provisionedTags(device),
            source: 'batch',
          },
          key: 'register',
          // A device registered by hand under the same identifier keeps its registration.
          tolerate: ['conflict'],
        },
      ];
    }
    const { organizationId, deviceId, heldCapacity } = input.data;
    // A server whose provisioning failed (it held no capacity) was never registered, nor ever will be.
    if (!heldCapacity) return [];
    // Retired even if not registered yet: its DeviceProvisioned, on another subject, may be read after this.
    return [
      {
        type: 'SendToDevice',
        organizationId,
        identifier: deviceId,
        command: { type: 'RetireDevice', identifier: deviceId, organizationId },
        key: 'retire',
      },
    ];
  },
};
