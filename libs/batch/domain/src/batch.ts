import { createHash } from 'node:crypto';
import { BatchEvent, DeviceDescription, FacilityAllocation, RequestedItem } from '@flotilla/contracts';
import { Decider, DomainError } from '@flotilla/decider';
import { expandHostnames } from './hostnames';

export type BatchStatus = 'absent' | 'queued' | 'in_progress' | 'completed' | 'failed' | 'deleted';
export type DeviceStatus = 'provisioning' | 'active' | 'failed';

export interface BatchState {
  status: BatchStatus;
  request: Extract<BatchEvent, { type: 'BatchRequested' }>['data'] | null;
  allocations: FacilityAllocation[] | null;
  devices: Record<string, { description: DeviceDescription; status: DeviceStatus }>;
}

export interface ProvisioningOutcome {
  deviceId: string;
  /** Absent when the device is active; the provisioner's words otherwise. */
  error?: string;
}

export type BatchCommand =
  | { type: 'RequestBatch'; batchId: string; projectId: string; organizationId: string; item: RequestedItem; hostname: string | null; hostnames: string[] | null }
  | { type: 'StartBatch' }
  /** Capacity is reserved: the devices are created, in allocation order. */
  | { type: 'PlaceBatch'; allocations: FacilityAllocation[]; spotPrices: Record<string, number> }
  | { type: 'RecordProvisioning'; outcomes: ProvisioningOutcome[] }
  | { type: 'FailBatch'; errorMessages: string[] }
  | { type: 'DeleteBatch'; removeAssociatedInstances: boolean };

/**
 * The id of the i-th device of a batch, the same on every attempt: a worker that runs a batch again after a crash
 * names the same devices, and the batch's own optimistic concurrency lets them be created once.
 */
export function deviceIdFor(batchId: string, index: number): string {
  const hex = createHash('sha256').update(`${batchId}/${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const isTerminal = (status: BatchStatus) => status === 'completed' || status === 'failed' || status === 'deleted';

/** Devices of a batch in allocation order: facility by facility, hostnames by 1-based index (§4). */
export function describeDevices(request: NonNullable<BatchState['request']>, allocations: FacilityAllocation[], spotPrices: Record<string, number>): DeviceDescription[] {
  const { batchId, projectId, organizationId, item } = request;
  const ids = Array.from({ length: item.quantity }, (_, i) => deviceIdFor(batchId, i));
  let next = 0;
  const hostnames = expandHostnames(
    { hostname: request.hostname ?? undefined, hostnames: request.hostnames ?? undefined, quantity: item.quantity, plan: item.plan },
    () => ids[next++].slice(0, 8),
  );
  const facilities = allocations.flatMap((a) => Array<string>(a.quantity).fill(a.facility));
  return ids.map((deviceId, index) => ({
    deviceId,
    batchId,
    projectId,
    organizationId,
    index,
    hostname: hostnames[index],
    plan: item.plan,
    facility: facilities[index],
    operatingSystem: item.operatingSystem,
    billingCycle: item.billingCycle,
    tags: item.tags,
    spotInstance: item.spotInstance,
    spotPriceMax: item.spotPriceMax ?? null,
    spotPrice: item.spotInstance ? (spotPrices[facilities[index]] ?? null) : null,
    attributes: item.attributes,
  }));
}

export const batchDecider: Decider<BatchCommand, BatchState, BatchEvent> = {
  initialState: () => ({ status: 'absent', request: null, allocations: null, devices: {} }),

  decide(command, state, { now }) {
    const at = now.toISOString();
    if (command.type === 'RequestBatch') {
      if (state.status !== 'absent') throw DomainError.conflict('batch already exists');
      const { type: _type, ...data } = command;
      return [{ type: 'BatchRequested', data: { ...data, requestedAt: at } }];
    }
    const request = state.request;
    if (!request || state.status === 'deleted') throw DomainError.notFound('batch');
    const { batchId } = request;
    switch (command.type) {
      case 'StartBatch':
        return state.status === 'queued' ? [{ type: 'BatchStarted', data: { batchId, startedAt: at } }] : [];
      case 'PlaceBatch': {
        if (state.status !== 'in_progress' || state.allocations) return [];
        const placed = command.allocations.reduce((sum, a) => sum + a.quantity, 0);
        if (placed !== request.item.quantity) throw DomainError.conflict(`batch of ${request.item.quantity} cannot be placed as ${placed} servers`);
        return [
          { type: 'BatchPlaced', data: { batchId, allocations: command.allocations, placedAt: at } },
          ...describeDevices(request, command.allocations, command.spotPrices).map((device) => ({ type: 'DeviceCreated' as const, data: { ...device, createdAt: at } })),
        ];
      }
      case 'RecordProvisioning': {
        if (state.status !== 'in_progress') return [];
        const pending = Object.values(state.devices).filter((d) => d.status === 'provisioning');
        const outcomes = new Map(command.outcomes.map((o) => [o.deviceId, o]));
        if (pending.length === 0 || pending.some((d) => !outcomes.has(d.description.deviceId))) {
          throw DomainError.conflict('every device being provisioned needs an outcome');
        }
        const events: BatchEvent[] = pending.map(({ description }) => {
          const error = outcomes.get(description.deviceId)?.error;
          return error === undefined
            ? { type: 'DeviceProvisioned', data: { ...description, provisionedAt: at } }
            : { type: 'DeviceProvisioningFailed', data: { deviceId: description.deviceId, batchId, error, failedAt: at } };
        });
        const deviceIds = Object.keys(state.devices);
        const errors = pending.flatMap(({ description }) => {
          const error = outcomes.get(description.deviceId)?.error;
          return error === undefined ? [] : [`device ${description.hostname} (${description.deviceId}) failed to provision: ${error}`];
        });
        events.push(
          errors.length
            ? { type: 'BatchFailed', data: { batchId, errorMessages: errors, deviceIds, failedAt: at } }
            : { type: 'BatchCompleted', data: { batchId, deviceIds, completedAt: at } },
        );
        return events;
      }
      case 'FailBatch':
        if (isTerminal(state.status) || state.allocations) return [];
        return [{ type: 'BatchFailed', data: { batchId, errorMessages: command.errorMessages, deviceIds: [], failedAt: at } }];
      case 'DeleteBatch':
        if (state.status === 'in_progress') throw DomainError.conflict('batch is in progress: delete it once it has completed or failed');
        return [
          {
            type: 'BatchDeleted',
            data: { batchId, removeAssociatedInstances: command.removeAssociatedInstances, deviceIds: Object.keys(state.devices), deletedAt: at },
          },
        ];
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'BatchRequested':
        return { ...state, status: 'queued', request: event.data, devices: {} };
      case 'BatchStarted':
        return { ...state, status: 'in_progress' };
      case 'BatchPlaced':
        return { ...state, allocations: event.data.allocations };
      // A batch holds up to thousands of devices: copying the map per event would make a commit cost quadratic,
      // so these two write into it. States are never shared once evolved (the repository keeps only the newest).
      case 'DeviceCreated': {
        const { createdAt: _at, ...description } = event.data;
        state.devices[description.deviceId] = { description, status: 'provisioning' };
        return { ...state };
      }
      case 'DeviceProvisioned':
      case 'DeviceProvisioningFailed': {
        const device = state.devices[event.data.deviceId];
        state.devices[event.data.deviceId] = { ...device, status: event.type === 'DeviceProvisioned' ? 'active' : 'failed' };
        return { ...state };
      }
      case 'BatchCompleted':
        return { ...state, status: 'completed' };
      case 'BatchFailed':
        return { ...state, status: 'failed' };
      case 'BatchDeleted':
        return { ...state, status: 'deleted' };
    }
  },
};
