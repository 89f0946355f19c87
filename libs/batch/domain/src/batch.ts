import { BatchEvent, DeviceDescription, eventJsonSize, FacilityAllocation, RequestedItem } from '@flotilla/events';
import { copyIdRecord, Decider, deepFreeze, DomainError, idRecordValues, stableUuid } from '@flotilla/decider';
import { expandHostnames } from './hostnames';

export type BatchStatus = 'absent' | 'queued' | 'in_progress' | 'completed' | 'failed' | 'deleted';
export type DeviceStatus = 'provisioning' | 'active' | 'failed';

export interface BatchState {
  status: BatchStatus;
  request: Extract<BatchEvent, { type: 'BatchRequested' }>['data'] | null;
  allocations: FacilityAllocation[] | null;
  spotPrices: Record<string, number>;
  /** The capacity reservation the batch was placed with, when it was named. */
  reservation?: string;
  /** A deleted batch's devices go too (`remove_associated_instances`). */
  removeAssociatedInstances?: boolean;
  /** By device id (an id record: copyIdRecord). */
  devices: Record<string, { description: DeviceDescription; status: DeviceStatus; error?: string }>;
}

export interface ProvisioningOutcome {
  deviceId: string;
  /** Absent when the device is active; the provisioner's words otherwise. */
  error?: string;
}

export type BatchCommand =
  | {
      type: 'RequestBatch';
      batchId: string;
      projectId: string;
      organizationId: string;
      item: RequestedItem;
      hostname: string | null;
      hostnames: string[] | null;
    }
  /** Capacity is reserved: the batch starts and its devices are created, in allocation order. */
  | { type: 'PlaceBatch'; allocations: FacilityAllocation[]; spotPrices: Record<string, number>; reservation?: string }
  /** Creates the next devices not created yet, as many as fit in one commit. */
  | { type: 'CreateDevices' }
  /** Records outcomes of devices being provisioned, as many as fit in one commit; the last one ends the batch. */
  | { type: 'RecordProvisioning'; outcomes: ProvisioningOutcome[] }
  | { type: 'FailBatch'; errorMessages: string[] }
  | { type: 'DeleteBatch'; removeAssociatedInstances: boolean }
  /**
   * Takes back a request not placed yet (a device whose wait ran out); refused once it is placed or failed, since the
   * client must then be told what came of it.
   */
  | { type: 'WithdrawBatch' };

/**
 * The id of the i-th device of a batch, the same on every attempt: the workflow running a batch again after a crash
 * names the same devices, and the batch's own optimistic concurrency lets them be created once.
 */
export function deviceIdFor(batchId: string, index: number): string {
  return stableUuid(`${batchId}/${index}`);
}

/** One commit is one JetStream message: it must stay well under the server's 1 MB payload limit. */
const COMMIT_BUDGET_BYTES = 512 * 1024;

/**
 * The leading events that fit in one commit beside `alongside` (at least one, so progress is always made). Events are
 * taken from `events` one at a time: those of a big batch's devices that will not fit are never made.
 */
function fitInCommit(events: Iterable<BatchEvent>, alongside: BatchEvent[] = []): BatchEvent[] {
  let bytes = alongside.reduce((sum, e) => sum + eventJsonSize(e), 0);
  const fitting: BatchEvent[] = [];
  for (const event of events) {
    bytes += eventJsonSize(event);
    if (fitting.length > 0 && bytes > COMMIT_BUDGET_BYTES) break;
    fitting.push(event);
  }
  return fitting;
}

/** `DeviceCreated` for each device the batch does not hold yet, in allocation order, made as they are asked for. */
function* devicesToCreate(devices: DeviceDescription[], state: BatchState, createdAt: string) {
  for (const device of devices)
    if (!state.devices[device.deviceId]) yield { type: 'DeviceCreated' as const, data: { ...device, createdAt } };
}

/** A failed batch lists its first failures and counts the rest, so the message stays readable and small. */
function summarize(messages: string[], shown = 20): string[] {
  return messages.length <= shown
    ? messages
    : [...messages.slice(0, shown), `… and ${messages.length - shown} more devices failed to provision`];
}

export const isTerminal = (status: BatchStatus) =>
  status === 'completed' || status === 'failed' || status === 'deleted';

/**
 * The last devices described, by the request they were described for: a big batch is asked for its devices on every
 * commit that creates some, and describing 10,000 of them (a hash each) cost more than the rest of the commit. Smaller
 * batches (about 1,400 devices fit in one commit) are described afresh, so what a cached batch holds stays its own.
 */
const DESCRIBED_ONCE_FROM = 1_000;
const described = new WeakMap<
  object,
  { allocations: FacilityAllocation[]; spotPrices: Record<string, number>; devices: DeviceDescription[] }
>();

/** Devices of a batch in allocation order: facility by facility, hostnames by 1-based index (§4). */
export function describeDevices(
  request: NonNullable<BatchState['request']>,
  allocations: FacilityAllocation[],
  spotPrices: Record<string, number>,
): DeviceDescription[] {
  if (request.item.quantity < DESCRIBED_ONCE_FROM) return describe(request, allocations, spotPrices);
  const last = described.get(request);
  if (last?.allocations === allocations && last.spotPrices === spotPrices) return last.devices;
  const devices = deepFreeze(describe(request, allocations, spotPrices));
  described.set(request, { allocations, spotPrices, devices });
  return devices;
}

function describe(
  request: NonNullable<BatchState['request']>,
  allocations: FacilityAllocation[],
  spotPrices: Record<string, number>,
): DeviceDescription[] {
  const { batchId, projectId, organizationId, item } = request;
  const ids = Array.from({ length: item.quantity }, (_, i) => deviceIdFor(batchId, i));
  let next = 0;
  const hostnames = expandHostnames(
    {
      hostname: request.hostname ?? undefined,
      hostnames: request.hostnames ?? undefined,
      quantity: item.quantity,
      plan: item.plan,
    },
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

const outcomesByDevice = (outcomes: ProvisioningOutcome[]) => new Map(outcomes.map((o) => [o.deviceId, o]));

/**
 * The outcomes of devices still provisioning, as many as fit in one commit, made as they are taken: a big batch's
 * outcomes are recorded over several commits, and making every one of them for each would cost more than the commit.
 */
function recordedOutcomes(
  state: BatchState,
  batchId: string,
  byDevice: Map<string, ProvisioningOutcome>,
  at: string,
): BatchEvent[] {
  return fitInCommit(outcomeEvents(state, batchId, byDevice, at));
}

function* outcomeEvents(
  state: BatchState,
  batchId: string,
  byDevice: Map<string, ProvisioningOutcome>,
  at: string,
): Generator<BatchEvent> {
  for (const deviceId in state.devices) {
    const { description, status } = state.devices[deviceId];
    const outcome = status === 'provisioning' ? byDevice.get(deviceId) : undefined;
    if (!outcome) continue;
    yield outcome.error === undefined
      ? { type: 'DeviceProvisioned', data: { ...description, provisionedAt: at } }
      : { type: 'DeviceProvisioningFailed', data: { deviceId, batchId, error: outcome.error, failedAt: at } };
  }
}

export const batchDecider: Decider<BatchCommand, BatchState, BatchEvent> = {
  initialState: () => ({ status: 'absent', request: null, allocations: null, spotPrices: {}, devices: {} }),

  decide(command, state, { now }) {
    const at = now.toISOString();
    if (command.type === 'RequestBatch') {
      if (state.status !== 'absent') throw DomainError.conflict('batch already exists');
      const { type: _type, ...data } = command;
      return [{ type: 'BatchRequested', data: { ...data, requestedAt: at } }];
    }
    const request = state.request;
    if (!request) throw DomainError.notFound('batch');
    const { batchId } = request;
    // A batch deleted while its capacity was being reserved has nothing to place or fail: the workflow sees it deleted
    // and gives the reservation back. One deleted while in progress creates no more devices, but records what comes of
    // those it has, which the provisioner is already bringing up: the servers of those that come up stay held by them.
    if (state.status === 'deleted') {
      if (command.type === 'PlaceBatch' || command.type === 'FailBatch' || command.type === 'CreateDevices') return [];
      if (command.type === 'RecordProvisioning')
        return recordedOutcomes(state, batchId, outcomesByDevice(command.outcomes), at);
      throw DomainError.notFound('batch');
    }
    // A queued batch starts as its placement is decided, in the same commit (one write fewer per batch).
    const started: BatchEvent[] =
      state.status === 'queued' ? [{ type: 'BatchStarted', data: { batchId, startedAt: at } }] : [];
    switch (command.type) {
      case 'PlaceBatch': {
        if (isTerminal(state.status) || state.allocations) return [];
        const placed = command.allocations.reduce((sum, a) => sum + a.quantity, 0);
        if (placed !== request.item.quantity)
          throw DomainError.conflict(`batch of ${request.item.quantity} cannot be placed as ${placed} servers`);
        const events: BatchEvent[] = [
          ...started,
          {
            type: 'BatchPlaced',
            data: {
              batchId,
              allocations: command.allocations,
              spotPrices: command.spotPrices,
              placedAt: at,
              reservation: command.reservation,
            },
          },
        ];
        const devices = describeDevices(request, command.allocations, command.spotPrices);
        return [...events, ...fitInCommit(devicesToCreate(devices, state, at), events)];
      }
      case 'CreateDevices': {
        if (state.status !== 'in_progress' || !state.allocations) return [];
        const devices = describeDevices(request, state.allocations, state.spotPrices);
        return fitInCommit(devicesToCreate(devices, state, at));
      }
      case 'RecordProvisioning': {
        if (state.status !== 'in_progress') return [];
        const all = idRecordValues(state.devices);
        if (all.length !== request.item.quantity)
          throw DomainError.conflict('devices of the batch are still being created');
        const outcomes = outcomesByDevice(command.outcomes);
        const recorded = recordedOutcomes(state, batchId, outcomes, at);
        const done = new Set(recorded.map((e) => (e.data as { deviceId: string }).deviceId));
        if (all.some((d) => d.status === 'provisioning' && !done.has(d.description.deviceId))) return recorded;
        // Every outcome is in this commit: the batch's last event, which lists every device, goes beside them if it
        // fits, else into a commit of its own.
        const deviceIds = all.map((d) => d.description.deviceId);
        const failures = all.flatMap(({ description, status }) => {
          const failed =
            status === 'failed' ||
            (done.has(description.deviceId) && outcomes.get(description.deviceId)?.error !== undefined);
          return failed
            ? [
                `device ${description.hostname} (${description.deviceId}) failed to provision: ${state.devices[description.deviceId].error ?? outcomes.get(description.deviceId)?.error}`,
              ]
            : [];
        });
        const ending: BatchEvent = failures.length
          ? { type: 'BatchFailed', data: { batchId, errorMessages: summarize(failures), deviceIds, failedAt: at } }
          : { type: 'BatchCompleted', data: { batchId, deviceIds, completedAt: at } };
        return fitInCommit(recorded, [ending]).length === recorded.length ? [...recorded, ending] : recorded;
      }
      case 'FailBatch':
        if (isTerminal(state.status) || state.allocations) return [];
        return [
          ...started,
          { type: 'BatchFailed', data: { batchId, errorMessages: command.errorMessages, deviceIds: [], failedAt: at } },
        ];
      case 'WithdrawBatch':
        if (state.status !== 'queued') throw DomainError.conflict(`batch ${batchId} was placed or refused first`);
        return [
          { type: 'BatchDeleted', data: { batchId, removeAssociatedInstances: true, deviceIds: [], deletedAt: at } },
        ];
      case 'DeleteBatch':
        // Whenever it stands, as Metal deletes a batch: devices being created or provisioned are seen through by the
        // workflow (batch-workflow.ts).
        return [
          {
            type: 'BatchDeleted',
            data: {
              batchId,
              removeAssociatedInstances: command.removeAssociatedInstances,
              deviceIds: Object.keys(state.devices),
              deletedAt: at,
            },
          },
        ];
    }
  },

  evolve: (state, event) => evolveBatch(state, [event]),
  evolveAll: evolveBatch,
};

/**
 * A batch holds up to thousands of devices: the device map is copied once per fold, then written into (a copy per
 * event would make a commit of a thousand devices cost a million writes). The states it was given stay as they were.
 * What it writes into the map it freezes, and the map once written: the repository's deep freeze then stops at the
 * map instead of visiting every device of the batch after every commit (given frozen states, as the repository's are).
 */
function evolveBatch(state: BatchState, events: readonly BatchEvent[]): BatchState {
  let next = state;
  let devices: BatchState['devices'] | undefined;
  const writable = () => (devices ??= copyIdRecord(next.devices));
  for (const event of events) {
    switch (event.type) {
      case 'BatchRequested':
        next = { ...next, status: 'queued', request: event.data };
        devices = copyIdRecord();
        break;
      case 'BatchStarted':
        next = { ...next, status: 'in_progress' };
        break;
      case 'BatchPlaced': {
        const { allocations, spotPrices, reservation } = event.data;
        next = { ...next, allocations, spotPrices, reservation };
        break;
      }
      case 'DeviceCreated': {
        const { createdAt: _at, ...description } = event.data;
        writable()[description.deviceId] = deepFreeze({ description, status: 'provisioning' });
        break;
      }
      case 'DeviceProvisioned':
      case 'DeviceProvisioningFailed': {
        const map = writable();
        const device = map[event.data.deviceId];
        map[event.data.deviceId] = Object.freeze(
          event.type === 'DeviceProvisioned'
            ? { ...device, status: 'active' }
            : { ...device, status: 'failed', error: event.data.error },
        );
        break;
      }
      case 'BatchCompleted':
        next = { ...next, status: 'completed' };
        break;
      case 'BatchFailed':
        next = { ...next, status: 'failed' };
        break;
      case 'BatchDeleted':
        next = { ...next, status: 'deleted', removeAssociatedInstances: event.data.removeAssociatedInstances };
        break;
    }
  }
  return devices ? { ...next, devices: Object.freeze(devices) } : next;
}
