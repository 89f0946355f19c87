import { DeviceDeleted } from '@flotilla/events';
import { Decider } from '@flotilla/decider';

/** A device's life after its batch created it, on `evt.batch.device.<id>`: so far, its deletion. */
export interface DeviceState {
  deleted: boolean;
}

export type DeviceCommand = {
  type: 'DeleteDevice';
  deviceId: string;
  batchId: string;
  organizationId: string;
  plan: string;
  facility: string;
  heldCapacity: boolean;
};

export const deviceDecider: Decider<DeviceCommand, DeviceState, DeviceDeleted> = {
  initialState: () => ({ deleted: false }),
  decide(command, state, { now }) {
    if (state.deleted) return [];
    const { type: _type, ...data } = command;
    return [{ type: 'DeviceDeleted', data: { ...data, deletedAt: now.toISOString() } }];
  },
  evolve: () => ({ deleted: true }),
};
