import { BatchDeleted, BatchRequested, DeviceDeleted, DeviceDescription, DomainEvent } from '@flotilla/events';
import { idRecordValues, Workflow, WorkflowStep } from '@flotilla/decider';
import { BatchCommand, BatchState, isTerminal, ProvisioningOutcome } from './batch';
import { CapacityCommand, ReservationOutcome } from './capacity';

/** What the batch workflow reacts to: events of the log, then what came of each step it took. */
export type BatchWorkflowInput =
  | BatchRequested
  | BatchDeleted
  | DeviceDeleted
  /** The batch as it stands after a command on it (or when the command found nothing to do), or as last known. */
  | DomainEvent<'BatchObserved', BatchState>
  /** The plan's spot prices per facility, as the catalog has them now. */
  | DomainEvent<'SpotPricesRead', Record<string, number>>
  /** How the plan's capacity answered the batch's reservation. */
  | DomainEvent<'ReservationAnswered', ReservationOutcome>
  /** What the provisioner said of each device it was given. */
  | DomainEvent<'DevicesProvisioned', ProvisioningOutcome[]>;

export type BatchWorkflowStep = WorkflowStep &
  /**
   * The batch as the log has it now, never as this instance last knew it: a run taken up after another instance's
   * crash must see how far that one got, or it would reserve again for a batch whose reservation is already settled.
   */
  (
    | { type: 'ObserveBatch'; batchId: string }
    | { type: 'SendToBatch'; batchId: string; command: BatchCommand }
    | { type: 'SendToCapacity'; plan: string; command: CapacityCommand }
    | { type: 'DeleteDevices'; batchId: string; deviceIds: string[] }
    | { type: 'ReadSpotPrices'; plan: string }
    | { type: 'Provision'; devices: DeviceDescription[] }
  );

export interface BatchWorkflowState {
  /** The batch as last observed. */
  batch: BatchState | null;
  /** Outcomes of this run's provisioning, of devices the batch has not recorded yet. */
  outcomes: ProvisioningOutcome[];
  /** This run reserved capacity that the batch has not settled yet. */
  reserved: boolean;
}

/**
 * The process manager of batches (batch-deployment.md §6), one run per event:
 *   BatchRequested → (spot prices) → ReserveCapacity, all or nothing → PlaceBatch | FailBatch (the batch starts in
 *   the same commit) → CreateDevices until every device exists → Provision → SettleReservation →
 *   RecordProvisioning until the batch ends.
 * Every step is decided on the batch as it stands, so a run taken up again after a crash carries on where the last
 * one stopped; every command is idempotent by its aggregate's state (a batch's reservation is found again by its
 * id). Capacity is settled before the outcomes are recorded, so a completed or failed batch never holds a
 * reservation: one that this run made for a batch found deleted before it was placed, or already over, is given back
 * at once (the provisioner answers a device it was given before as it did then, so a second run settles what the
 * first one saw). A batch deleted while in progress is seen through its devices' provisioning, then settled as any.
 * Reservations are named and the batch records the one it was placed with, so one made again by a run that saw the
 * batch unplaced while another run placed and settled it is given back whole when the batch is settled.
 * It also deletes a deleted batch's devices when asked to (those still provisioning are left to the batch's own run,
 * which deletes them once their outcomes are recorded), and gives a deleted live device's server back.
 */
export const batchWorkflow: Workflow<BatchWorkflowInput, BatchWorkflowState, BatchWorkflowStep> = {
  initialState: () => ({ batch: null, outcomes: [], reserved: false }),

  decide(input, state) {
    switch (input.type) {
      case 'BatchRequested':
        return [{ type: 'ObserveBatch', batchId: input.data.batchId }];
      case 'BatchObserved':
        return nextStep(input.data, state, state.batch === null);
      case 'SpotPricesRead':
        return state.batch?.request ? [reserve(state.batch.request, input.data)] : [];
      case 'ReservationAnswered': {
        const batchId = state.batch?.request?.batchId;
        if (!batchId) return [];
        const answer = input.data;
        const command: BatchCommand = answer.ok
          ? {
              type: 'PlaceBatch',
              allocations: answer.allocations,
              spotPrices: answer.spotPrices,
              reservation: answer.reservation,
            }
          : { type: 'FailBatch', errorMessages: [answer.reason] };
        return [{ type: 'SendToBatch', batchId, command }];
      }
      case 'DevicesProvisioned': {
        const request = state.batch?.request;
        if (!state.batch || !request) return [];
        const outcomes = [...state.outcomes, ...input.data];
        return [
          {
            type: 'SendToCapacity',
            plan: request.item.plan,
            command: {
              type: 'SettleReservation',
              batchId: request.batchId,
              live: liveServers(state.batch, outcomes),
              reservation: state.batch.reservation,
            },
          },
          { type: 'SendToBatch', batchId: request.batchId, command: { type: 'RecordProvisioning', outcomes } },
        ];
      }
      case 'BatchDeleted': {
        const { batchId, removeAssociatedInstances, deviceIds } = input.data;
        return removeAssociatedInstances && deviceIds.length ? [{ type: 'DeleteDevices', batchId, deviceIds }] : [];
      }
      case 'DeviceDeleted': {
        const { plan, facility, deviceId, heldCapacity } = input.data;
        // Capacity knows which devices hold its servers, so asking twice gives one back: no command id to keep.
        return heldCapacity
          ? [{ type: 'SendToCapacity', plan, command: { type: 'ReleaseDeviceCapacity', facility, deviceId } }]
          : [];
      }
    }
  },

  evolve(state, input) {
    switch (input.type) {
      case 'BatchObserved':
        return { ...state, batch: input.data };
      case 'ReservationAnswered':
        return { ...state, reserved: input.data.ok };
      case 'DevicesProvisioned':
        // The settlement decided beside these outcomes hands the reservation over.
        return { ...state, outcomes: [...state.outcomes, ...input.data], reserved: false };
      default:
        return state;
    }
  },
};

/** What a batch needs next, by how it stands; `firstLook`: this run had not seen it before. */
function nextStep(
  batch: BatchState,
  { outcomes, reserved }: BatchWorkflowState,
  firstLook: boolean,
): BatchWorkflowStep[] {
  if (!batch.request) return [];
  const { batchId, item } = batch.request;
  const devices = idRecordValues(batch.devices);
  // A batch deleted while in progress still sees the devices it created through their provisioning (it creates no
  // more): the servers of those that come up are held by them, and given back as they are deleted.
  const seenThrough = batch.status === 'deleted' && devices.some((d) => d.status === 'provisioning');
  if (isTerminal(batch.status) && !seenThrough) {
    // Found over at first look, the run may be taking over from one that reserved and died before it settled (the
    // batch deleted meanwhile): whatever reservation stands for it is settled, its live devices keeping their servers
    // (none stands, the usual case, and capacity does nothing).
    const settle: SettleReservation | null = reserved
      ? { type: 'SettleReservation', batchId, live: {} }
      : firstLook
        ? { type: 'SettleReservation', batchId, live: liveServers(batch, outcomes), reservation: batch.reservation }
        : null;
    const steps: BatchWorkflowStep[] = settle ? [{ type: 'SendToCapacity', plan: item.plan, command: settle }] : [];
    // Deleted with its instances while in progress: those whose provisioning ended after the deletion are this run's
    // to delete (deleting one twice changes nothing).
    if (batch.status === 'deleted' && batch.removeAssociatedInstances && devices.length)
      steps.push({ type: 'DeleteDevices', batchId, deviceIds: devices.map((d) => d.description.deviceId) });
    return steps;
  }
  if (!batch.allocations)
    return item.spotInstance ? [{ type: 'ReadSpotPrices', plan: item.plan }] : [reserve(batch.request, null)];
  if (!seenThrough && devices.length < item.quantity)
    return [{ type: 'SendToBatch', batchId, command: { type: 'CreateDevices' } }];
  const known = new Set(outcomes.map((o) => o.deviceId));
  const unprovisioned = devices.filter((d) => d.status === 'provisioning' && !known.has(d.description.deviceId));
  if (unprovisioned.length) return [{ type: 'Provision', devices: unprovisioned.map((d) => d.description) }];
  // Outcomes that did not fit in one commit, or the batch's end that did not fit beside them.
  return [{ type: 'SendToBatch', batchId, command: { type: 'RecordProvisioning', outcomes } }];
}

function reserve(
  { batchId, item }: NonNullable<BatchState['request']>,
  spotPrices: Record<string, number> | null,
): BatchWorkflowStep {
  const spot = item.spotInstance ? { maxPrice: item.spotPriceMax ?? 0, prices: spotPrices ?? {} } : undefined;
  const command: CapacityCommand = {
    type: 'ReserveCapacity',
    batchId,
    facility: item.facility,
    ...(item.within ? { within: item.within } : {}),
    facilityDiversityLevel: item.facilityDiversityLevel,
    quantity: item.quantity,
    spot,
  };
  return { type: 'SendToCapacity', plan: item.plan, command };
}

type SettleReservation = Extract<CapacityCommand, { type: 'SettleReservation' }>;

/** The devices per facility that hold servers once these outcomes are recorded. */
function liveServers(batch: BatchState, outcomes: ProvisioningOutcome[]): Record<string, string[]> {
  const failed = new Set(outcomes.filter((o) => o.error !== undefined).map((o) => o.deviceId));
  const live: Record<string, string[]> = {};
  for (const { description, status } of idRecordValues(batch.devices)) {
    if (status === 'active' || (status === 'provisioning' && !failed.has(description.deviceId)))
      (live[description.facility] ??= []).push(description.deviceId);
  }
  return live;
}
