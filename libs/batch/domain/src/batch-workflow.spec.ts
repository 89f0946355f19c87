import { BatchEvent, DeviceDescription, RequestedItem } from '@flotilla/events';
import { deciderSpecification, workflowSpecification } from '@flotilla/testing';
import { BatchCommand, batchDecider, BatchState, deviceIdFor } from './batch';
import { BatchWorkflowInput, batchWorkflow, BatchWorkflowStep } from './batch-workflow';

const batches = deciderSpecification(batchDecider);
const workflow = workflowSpecification(batchWorkflow);
const item: RequestedItem = {
  plan: 'c1.small.x86',
  operatingSystem: 'ubuntu_22_04',
  quantity: 2,
  facility: ['ewr1', 'any'],
  billingCycle: 'hourly',
  tags: [],
  spotInstance: false,
  attributes: {},
};
const requested = (overrides: Partial<RequestedItem> = {}): Extract<BatchEvent, { type: 'BatchRequested' }> => ({
  type: 'BatchRequested',
  data: {
    batchId: 'b1',
    projectId: 'p1',
    organizationId: 'o1',
    item: { ...item, ...overrides },
    hostname: 'web{{index}}',
    hostnames: null,
    requestedAt: '2026-01-01T00:00:00.000Z',
  },
});
const [d0, d1] = [deviceIdFor('b1', 0), deviceIdFor('b1', 1)];

/** The batch after these commands, as the batch aggregate would hold it. */
function batchAfter(commands: BatchCommand[], from: BatchEvent = requested()): BatchState {
  return commands.reduce((state, command) => batches.fold(batches.decide(command, state), state), batches.fold([from]));
}
const observed = (batch: BatchState): BatchWorkflowInput => ({ type: 'BatchObserved', data: batch });
const toBatch = (command: BatchCommand): BatchWorkflowStep => ({ type: 'SendToBatch', batchId: 'b1', command });
const placed: BatchCommand = {
  type: 'PlaceBatch',
  allocations: [{ facility: 'ewr1', quantity: 2 }],
  spotPrices: {},
  reservation: 'r1',
};
const created = batchAfter([placed]);
/** What a run settles when its first look finds the batch over: it may be taking over from one that died. */
const settleFound = (live: Record<string, string[]>, reservation?: string): BatchWorkflowStep => ({
  type: 'SendToCapacity',
  plan: 'c1.small.x86',
  command: { type: 'SettleReservation', batchId: 'b1', live, reservation },
});
const descriptions = Object.values(created.devices).map((d) => d.description) as DeviceDescription[];

describe('batch workflow', () => {
  it('given a requested batch, looks at it as the log has it (one deleted meanwhile: any reservation for it goes back)', () => {
    workflow
      .given([])
      .when(requested())
      .then([{ type: 'ObserveBatch', batchId: 'b1' }]);
    // A run that reserved and died before it placed the batch left a reservation standing: this one gives it back.
    const deleted = batchAfter([{ type: 'DeleteBatch', removeAssociatedInstances: false }]);
    workflow
      .given([])
      .when(observed(deleted))
      .then([settleFound({})]);
  });

  it("given a queued batch, reserves its whole item on the plan's capacity", () => {
    workflow
      .given([])
      .when(observed(batchAfter([])))
      .then([
        {
          type: 'SendToCapacity',
          plan: 'c1.small.x86',
          command: {
            type: 'ReserveCapacity',
            batchId: 'b1',
            facility: ['ewr1', 'any'],
            facilityDiversityLevel: undefined,
            quantity: 2,
            spot: undefined,
          },
        },
      ]);
  });

  it('given a spot batch, reads the spot prices first and bids with them', () => {
    const spot = batchAfter([], requested({ spotInstance: true, spotPriceMax: 0.3 }));
    workflow
      .given([])
      .when(observed(spot))
      .then([{ type: 'ReadSpotPrices', plan: 'c1.small.x86' }]);
    workflow
      .given([observed(spot)])
      .when({ type: 'SpotPricesRead', data: { ewr1: 0.2, sjc1: 0.5 } })
      .then([
        {
          type: 'SendToCapacity',
          plan: 'c1.small.x86',
          command: {
            type: 'ReserveCapacity',
            batchId: 'b1',
            facility: ['ewr1', 'any'],
            facilityDiversityLevel: undefined,
            quantity: 2,
            spot: { maxPrice: 0.3, prices: { ewr1: 0.2, sjc1: 0.5 } },
          },
        },
      ]);
  });

  it("places the batch where capacity was reserved, with the reservation's name, or fails it with capacity's reason", () => {
    const queued = observed(batchAfter([]));
    workflow
      .given([queued])
      .when({
        type: 'ReservationAnswered',
        data: { ok: true, allocations: [{ facility: 'ewr1', quantity: 2 }], spotPrices: {}, reservation: 'r1' },
      })
      .then([toBatch(placed)]);
    workflow
      .given([queued])
      .when({ type: 'ReservationAnswered', data: { ok: false, reason: 'not enough capacity' } })
      .then([toBatch({ type: 'FailBatch', errorMessages: ['not enough capacity'] })]);
  });

  it("creates the devices that did not fit in the placement's commit, then provisions every device", () => {
    const partly = { ...created, devices: { [d0]: created.devices[d0] } };
    workflow
      .given([])
      .when(observed(partly))
      .then([toBatch({ type: 'CreateDevices' })]);
    workflow
      .given([])
      .when(observed(created))
      .then([{ type: 'Provision', devices: descriptions }]);
  });

  it("given the provisioner's outcomes, settles the batch's reservation for its live devices, then records them", () => {
    workflow
      .given([observed(created)])
      .when({ type: 'DevicesProvisioned', data: [{ deviceId: d0 }, { deviceId: d1, error: 'no DHCP lease' }] })
      .then([
        {
          type: 'SendToCapacity',
          plan: 'c1.small.x86',
          command: { type: 'SettleReservation', batchId: 'b1', live: { ewr1: [d0] }, reservation: 'r1' },
        },
        toBatch({ type: 'RecordProvisioning', outcomes: [{ deviceId: d0 }, { deviceId: d1, error: 'no DHCP lease' }] }),
      ]);
  });

  it('records what did not fit in one commit without provisioning again; a finished batch leaves nothing standing', () => {
    const outcomes = [{ deviceId: d0 }, { deviceId: d1 }];
    const recordedOne = batchAfter([placed, { type: 'RecordProvisioning', outcomes: [{ deviceId: d0 }] }]);
    workflow
      .given([observed(created), { type: 'DevicesProvisioned', data: outcomes }])
      .when(observed(recordedOne))
      .then([toBatch({ type: 'RecordProvisioning', outcomes })]);
    const completed = batchAfter([placed, { type: 'RecordProvisioning', outcomes }]);
    expect(completed.status).toBe('completed');
    // Looked at again (a redelivery), its reservation is settled for its live devices: a no-op once it was settled.
    workflow
      .given([])
      .when(observed(completed))
      .then([settleFound({ ewr1: [d0, d1] }, 'r1')]);
    const reserved: BatchWorkflowInput = {
      type: 'ReservationAnswered',
      data: { ok: true, allocations: [{ facility: 'ewr1', quantity: 2 }], spotPrices: {} },
    };
    // The settlement beside the outcomes handed this run's reservation over: nothing is given back twice.
    workflow
      .given([observed(created), reserved, { type: 'DevicesProvisioned', data: outcomes }])
      .when(observed(completed))
      .thenNothingLeft();
  });

  it('taken up again after a crash, provisions only the devices the batch has no outcome for', () => {
    const recordedOne = batchAfter([placed, { type: 'RecordProvisioning', outcomes: [{ deviceId: d0 }] }]);
    workflow
      .given([])
      .when(observed(recordedOne))
      .then([{ type: 'Provision', devices: [descriptions[1]] }]);
  });

  it('gives back at once a reservation made for a batch that turned out deleted or already over', () => {
    const reserved: BatchWorkflowInput = {
      type: 'ReservationAnswered',
      data: { ok: true, allocations: [{ facility: 'ewr1', quantity: 2 }], spotPrices: {} },
    };
    const release: BatchWorkflowStep = {
      type: 'SendToCapacity',
      plan: 'c1.small.x86',
      command: { type: 'SettleReservation', batchId: 'b1', live: {} },
    };
    const deleted = batchAfter([{ type: 'DeleteBatch', removeAssociatedInstances: false }]);
    workflow
      .given([observed(batchAfter([])), reserved])
      .when(observed(deleted))
      .then([release]);
    // Taken up again after a crash, a run found the batch over (its own reservation long settled) and reserved anew.
    const failed = batchAfter([{ type: 'FailBatch', errorMessages: ['no capacity'] }]);
    workflow
      .given([observed(batchAfter([])), reserved])
      .when(observed(failed))
      .then([release]);
  });

  it('sees a batch deleted while in progress through its devices: provisions, settles and records them, creates none', () => {
    // Deleted with the first of its two devices created: the other is never created, and its server goes back with the
    // settlement, which holds only the live devices.
    const partly = batchAfter([placed]);
    const creating = { ...partly, devices: { [d0]: partly.devices[d0] } };
    const deletedWhileCreating = batches.fold(
      batches.decide({ type: 'DeleteBatch', removeAssociatedInstances: false }, creating),
      creating,
    );
    workflow
      .given([])
      .when(observed(deletedWhileCreating))
      .then([{ type: 'Provision', devices: [descriptions[0]] }]);
    workflow
      .given([observed(deletedWhileCreating)])
      .when({ type: 'DevicesProvisioned', data: [{ deviceId: d0 }] })
      .then([
        {
          type: 'SendToCapacity',
          plan: 'c1.small.x86',
          command: { type: 'SettleReservation', batchId: 'b1', live: { ewr1: [d0] }, reservation: 'r1' },
        },
        toBatch({ type: 'RecordProvisioning', outcomes: [{ deviceId: d0 }] }),
      ]);
    // Its devices' outcomes recorded: kept, as Metal keeps a deleted batch's instances unless told to remove them.
    const recorded = batchAfter([placed, { type: 'DeleteBatch', removeAssociatedInstances: false }]);
    const seenThrough = batches.fold(
      batches.decide({ type: 'RecordProvisioning', outcomes: [{ deviceId: d0 }, { deviceId: d1 }] }, recorded),
      recorded,
    );
    expect(Object.values(seenThrough.devices).map((d) => d.status)).toEqual(['active', 'active']);
    workflow
      .given([])
      .when(observed(seenThrough))
      .then([settleFound({ ewr1: [d0, d1] }, 'r1')]);
    // Deleted with its instances: they go once their outcomes are recorded (the deletion's own run left them alone
    // while they were provisioning).
    const removing = batchAfter([placed, { type: 'DeleteBatch', removeAssociatedInstances: true }]);
    const removed = batches.fold(
      batches.decide(
        { type: 'RecordProvisioning', outcomes: [{ deviceId: d0 }, { deviceId: d1, error: 'no power' }] },
        removing,
      ),
      removing,
    );
    workflow
      .given([])
      .when(observed(removed))
      .then([settleFound({ ewr1: [d0] }, 'r1'), { type: 'DeleteDevices', batchId: 'b1', deviceIds: [d0, d1] }]);
  });

  it("deletes a deleted batch's devices when asked to, and gives a deleted live device's server back once", () => {
    const deleted = (removeAssociatedInstances: boolean): BatchWorkflowInput => ({
      type: 'BatchDeleted',
      data: { batchId: 'b1', removeAssociatedInstances, deviceIds: [d0, d1], deletedAt: '2026-01-01T00:00:00.000Z' },
    });
    workflow
      .given([])
      .when(deleted(true))
      .then([{ type: 'DeleteDevices', batchId: 'b1', deviceIds: [d0, d1] }]);
    workflow.given([]).when(deleted(false)).thenNothingLeft();
    const deviceDeleted = (heldCapacity: boolean): BatchWorkflowInput => ({
      type: 'DeviceDeleted',
      data: {
        deviceId: d0,
        batchId: 'b1',
        organizationId: 'o1',
        plan: 'c1.small.x86',
        facility: 'ewr1',
        heldCapacity,
        deletedAt: '2026-01-01T00:00:00.000Z',
      },
    });
    workflow
      .given([])
      .when(deviceDeleted(true))
      .then([
        {
          type: 'SendToCapacity',
          plan: 'c1.small.x86',
          command: { type: 'ReleaseDeviceCapacity', facility: 'ewr1', deviceId: d0 },
        },
      ]);
    workflow.given([]).when(deviceDeleted(false)).thenNothingLeft();
  });
});
