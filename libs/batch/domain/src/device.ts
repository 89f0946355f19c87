import { BatchDeviceEvent, DeviceDescription } from '@flotilla/events';
import { Decider, DomainError } from '@flotilla/decider';
import { DeviceChanges, detailsOf } from './device-changes';

/** A device's life after its batch created it, on `evt.batch.device.<id>`: its lock, its details, its deletion. */
export interface DeviceState {
  deleted: boolean;
  /** As last changed here; null until then: as its batch item set it (`lockedAtCreation` of the command). */
  locked: boolean | null;
}

/** What every command on a device says of it, from its batch: which it is, and whether its item locked it. */
interface DeviceFacts {
  deviceId: string;
  batchId: string;
  organizationId: string;
  lockedAtCreation: boolean;
}

export type DeviceCommand =
  | (DeviceFacts & {
      type: 'DeleteDevice';
      plan: string;
      facility: string;
      heldCapacity: boolean;
      /** Its batch is being deleted with its instances: a locked device is left as it is, not refused. */
      unlessLocked?: boolean;
    })
  /** Changes checked by `validateDeviceChanges`. */
  | (DeviceFacts & { type: 'UpdateDevice'; changes: DeviceChanges });

export const LOCKED_REFUSAL = 'device is locked: unlock it before deleting it';

/** Whether the device's batch item locked it (Metal's `locked`, kept with the item's other attributes). */
export const lockedAtCreation = (description: DeviceDescription) => description.attributes.locked === true;

export const isLocked = (state: DeviceState, lockedAtCreation: boolean) => state.locked ?? lockedAtCreation;

export const deviceDecider: Decider<DeviceCommand, DeviceState, BatchDeviceEvent> = {
  initialState: () => ({ deleted: false, locked: null }),
  decide(command, state, { now }) {
    const at = now.toISOString();
    const { deviceId, batchId, organizationId, lockedAtCreation } = command;
    switch (command.type) {
      case 'DeleteDevice': {
        if (state.deleted) return [];
        if (isLocked(state, lockedAtCreation)) {
          if (command.unlessLocked) return [];
          throw DomainError.invalid([LOCKED_REFUSAL]);
        }
        const { plan, facility, heldCapacity } = command;
        return [
          {
            type: 'DeviceDeleted',
            data: { deviceId, batchId, organizationId, plan, facility, heldCapacity, deletedAt: at },
          },
        ];
      }
      case 'UpdateDevice': {
        if (state.deleted) throw DomainError.notFound('device');
        const { locked } = command.changes;
        const details = detailsOf(command.changes);
        return [
          ...(locked === undefined || isLocked(state, lockedAtCreation) === locked
            ? []
            : [
                {
                  type: 'DeviceLockChanged' as const,
                  data: { deviceId, batchId, organizationId, locked, changedAt: at },
                },
              ]),
          // Given details are recorded as given, as Metal's PUT touches the device whatever it holds.
          ...(details
            ? [
                {
                  type: 'DeviceUpdated' as const,
                  data: { deviceId, batchId, organizationId, ...details, updatedAt: at },
                },
              ]
            : []),
        ];
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'DeviceDeleted':
        return { ...state, deleted: true };
      case 'DeviceLockChanged':
        return { ...state, locked: event.data.locked };
      case 'DeviceUpdated':
        return state;
    }
  },
};
