import { BatchEvent, DeviceDescription, RequestedItem } from '@flotilla/events';
import { deciderSpecification } from '@flotilla/testing';
import { batchDecider, deviceIdFor } from './batch';

const spec = deciderSpecification(batchDecider);
const at = '2026-01-01T00:00:00.000Z';
const item: RequestedItem = {
  plan: 'c1.small.x86',
  operatingSystem: 'ubuntu_22_04',
  quantity: 2,
  facility: ['ewr1'],
  billingCycle: 'hourly',
  tags: [],
  spotInstance: false,
  attributes: {},
};
const requested: BatchEvent = {
  type: 'BatchRequested',
  data: {
    batchId: 'b1',
    projectId: 'p1',
    organizationId: 'o1',
    item,
    hostname: 'web{{index}}',
    hostnames: null,
    requestedAt: at,
  },
};
const started: BatchEvent = { type: 'BatchStarted', data: { batchId: 'b1', startedAt: at } };

const placed = (allocations: { facility: string; quantity: number }[]): BatchEvent[] =>
  spec.decide({ type: 'PlaceBatch', allocations, spotPrices: {} }, spec.fold([requested, started]));

const withoutCreatedAt = ({ createdAt: _at, ...device }: DeviceDescription & { createdAt?: string }) => device;

describe('batch decider', () => {
  it('queues a requested batch', () => {
    spec
      .given([])
      .when({
        type: 'RequestBatch',
        batchId: 'b1',
        projectId: 'p1',
        organizationId: 'o1',
        item,
        hostname: 'web{{index}}',
        hostnames: null,
      })
      .then([requested]);
  });

  it('starts a queued batch in the commit that places or fails it, once', () => {
    const placing = spec.decide(
      { type: 'PlaceBatch', allocations: [{ facility: 'ewr1', quantity: 2 }], spotPrices: {} },
      spec.fold([requested]),
    );
    expect(placing.map((e) => e.type)).toEqual(['BatchStarted', 'BatchPlaced', 'DeviceCreated', 'DeviceCreated']);
    expect(placing[0]).toEqual(started);
    const failing = spec.decide({ type: 'FailBatch', errorMessages: ['no capacity'] }, spec.fold([requested]));
    expect(failing.map((e) => e.type)).toEqual(['BatchStarted', 'BatchFailed']);
    // A batch started before (by an earlier release, which started batches in a commit of their own) is not again.
    expect(placed([{ facility: 'ewr1', quantity: 2 }]).map((e) => e.type)).not.toContain('BatchStarted');
  });

  it('creates its devices with the placement, in allocation order, named by index', () => {
    const events = placed([
      { facility: 'sjc1', quantity: 1 },
      { facility: 'ewr1', quantity: 1 },
    ]);
    expect(events[0]).toEqual({
      type: 'BatchPlaced',
      data: {
        batchId: 'b1',
        allocations: [
          { facility: 'sjc1', quantity: 1 },
          { facility: 'ewr1', quantity: 1 },
        ],
        spotPrices: {},
        placedAt: at,
      },
    });
    expect(events.slice(1).map((e) => e.type)).toEqual(['DeviceCreated', 'DeviceCreated']);
    expect(
      events
        .slice(1)
        .map((e) => [
          (e.data as DeviceDescription).hostname,
          (e.data as DeviceDescription).facility,
          (e.data as DeviceDescription).deviceId,
        ]),
    ).toEqual([
      ['web01', 'sjc1', deviceIdFor('b1', 0)],
      ['web02', 'ewr1', deviceIdFor('b1', 1)],
    ]);
    spec
      .given([requested, started, ...events])
      .when({ type: 'PlaceBatch', allocations: [{ facility: 'ewr1', quantity: 2 }], spotPrices: {} })
      .thenNothingHappened();
    spec
      .given([requested, started])
      .when({ type: 'PlaceBatch', allocations: [{ facility: 'ewr1', quantity: 1 }], spotPrices: {} })
      .thenThrows('conflict');
  });

  it('completes when every device is active, with exactly its quantity of devices', () => {
    const events = placed([{ facility: 'ewr1', quantity: 2 }]);
    const [d0, d1] = [deviceIdFor('b1', 0), deviceIdFor('b1', 1)];
    const outcome = spec.decide(
      { type: 'RecordProvisioning', outcomes: [{ deviceId: d0 }, { deviceId: d1 }] },
      spec.fold([requested, started, ...events]),
      { now: new Date(at) },
    );
    expect(outcome.map((e) => e.type)).toEqual(['DeviceProvisioned', 'DeviceProvisioned', 'BatchCompleted']);
    expect(outcome[2]).toEqual({
      type: 'BatchCompleted',
      data: { batchId: 'b1', deviceIds: [d0, d1], completedAt: at },
    });
  });

  it('records outcomes as they come, and ends the batch with the last one', () => {
    const events = placed([{ facility: 'ewr1', quantity: 2 }]);
    const [d0, d1] = [deviceIdFor('b1', 0), deviceIdFor('b1', 1)];
    const partial = spec.decide(
      { type: 'RecordProvisioning', outcomes: [{ deviceId: d0 }] },
      spec.fold([requested, started, ...events]),
    );
    expect(partial.map((e) => e.type)).toEqual(['DeviceProvisioned']);
    const rest = spec.decide(
      { type: 'RecordProvisioning', outcomes: [{ deviceId: d1, error: 'no power' }] },
      spec.fold([requested, started, ...events, ...partial]),
    );
    expect(rest.map((e) => e.type)).toEqual(['DeviceProvisioningFailed', 'BatchFailed']);
  });

  it('spreads the devices of a big batch over commits that fit in one message', () => {
    const big = {
      ...requested,
      data: { ...requested.data, item: { ...item, quantity: 3000, attributes: { userdata: 'x'.repeat(500) } } },
    } as BatchEvent;
    let state = spec.fold([big, started]);
    const first = spec.decide(
      { type: 'PlaceBatch', allocations: [{ facility: 'ewr1', quantity: 3000 }], spotPrices: {} },
      state,
    );
    expect(first.length).toBeGreaterThan(100);
    expect(first.length).toBeLessThan(3001);
    expect(JSON.stringify(first).length).toBeLessThan(600 * 1024);
    state = spec.fold(first, state);
    let commits = 1;
    for (;;) {
      const next = spec.decide({ type: 'CreateDevices' }, state);
      if (next.length === 0) break;
      expect(JSON.stringify(next).length).toBeLessThan(600 * 1024);
      state = spec.fold(next, state);
      commits++;
    }
    expect(Object.keys(state.devices)).toHaveLength(3000);
    expect(new Set(Object.values(state.devices).map((d) => d.description.hostname)).size).toBe(3000);
    expect(commits).toBeGreaterThan(1);
  });

  it("records a big batch's outcomes in as few commits as fit, the batch's last event in the last one only", () => {
    const quantity = 10_000;
    const big = { ...requested, data: { ...requested.data, item: { ...item, quantity } } } as BatchEvent;
    let state = spec.fold([big, started]);
    state = spec.fold(
      spec.decide({ type: 'PlaceBatch', allocations: [{ facility: 'ewr1', quantity }], spotPrices: {} }, state),
      state,
    );
    for (let next; (next = spec.decide({ type: 'CreateDevices' }, state)).length;) state = spec.fold(next, state);
    const outcomes = Object.keys(state.devices).map((deviceId) => ({ deviceId }));
    const commits: BatchEvent[][] = [];
    while (state.status === 'in_progress') {
      const next = spec.decide({ type: 'RecordProvisioning', outcomes }, state);
      commits.push(next);
      state = spec.fold(next, state);
    }
    const bytes = commits.map((c) => JSON.stringify(c).length);
    expect(Math.max(...bytes)).toBeLessThan(600 * 1024);
    // Full commits (the budget counts an envelope per event), but for the last outcomes and the batch's end.
    expect(bytes.slice(0, -2).filter((b) => b < 384 * 1024)).toEqual([]);
    expect(commits.flat().filter((e) => e.type === 'DeviceProvisioned')).toHaveLength(quantity);
    expect(commits.map((c) => c.some((e) => e.type === 'BatchCompleted'))).toEqual(
      commits.map((_, i) => i === commits.length - 1),
    );
    expect(state.status).toBe('completed');
  });

  it("fails with the failed device's error, keeping the devices that did come up", () => {
    const events = placed([{ facility: 'ewr1', quantity: 2 }]);
    const [d0, d1] = [deviceIdFor('b1', 0), deviceIdFor('b1', 1)];
    spec
      .given([requested, started, ...events])
      .when({ type: 'RecordProvisioning', outcomes: [{ deviceId: d0 }, { deviceId: d1, error: 'no DHCP lease' }] })
      .then([
        {
          type: 'DeviceProvisioned',
          data: { ...withoutCreatedAt(events[1].data as DeviceDescription), provisionedAt: at },
        },
        {
          type: 'DeviceProvisioningFailed',
          data: { deviceId: d1, batchId: 'b1', error: 'no DHCP lease', failedAt: at },
        },
        {
          type: 'BatchFailed',
          data: {
            batchId: 'b1',
            errorMessages: [`device web02 (${d1}) failed to provision: no DHCP lease`],
            deviceIds: [d0, d1],
            failedAt: at,
          },
        },
      ]);
  });

  it('fails an unplaced batch with the messages a user can act on, and never leaves a terminal state', () => {
    const failed: BatchEvent = {
      type: 'BatchFailed',
      data: { batchId: 'b1', errorMessages: ['no capacity'], deviceIds: [], failedAt: at },
    };
    spec
      .given([requested, started])
      .when({ type: 'FailBatch', errorMessages: ['no capacity'] })
      .then([failed]);
    spec
      .given([requested, started, failed])
      .when({ type: 'PlaceBatch', allocations: [{ facility: 'ewr1', quantity: 2 }], spotPrices: {} })
      .thenNothingHappened();
  });

  it('is deleted whenever it stands; once deleted it answers as not found, and has nothing to place or fail', () => {
    const deleted: BatchEvent = {
      type: 'BatchDeleted',
      data: { batchId: 'b1', removeAssociatedInstances: false, deviceIds: [], deletedAt: at },
    };
    spec.given([requested]).when({ type: 'DeleteBatch', removeAssociatedInstances: false }).then([deleted]);
    spec
      .given([requested, deleted])
      .when({ type: 'DeleteBatch', removeAssociatedInstances: true })
      .thenThrows('not_found');
    // Deleted while its capacity was being reserved: the workflow sees it deleted and gives the reservation back.
    spec
      .given([requested, deleted])
      .when({ type: 'PlaceBatch', allocations: [{ facility: 'ewr1', quantity: 2 }], spotPrices: {} })
      .thenNothingHappened();
    spec
      .given([requested, deleted])
      .when({ type: 'FailBatch', errorMessages: ['no capacity'] })
      .thenNothingHappened();
  });

  it('is withdrawn only while it is queued: once placed or refused, what came of it stands', () => {
    const withdrawn: BatchEvent = {
      type: 'BatchDeleted',
      data: { batchId: 'b1', removeAssociatedInstances: true, deviceIds: [], deletedAt: at },
    };
    spec.given([requested]).when({ type: 'WithdrawBatch' }).then([withdrawn]);
    spec
      .given([requested, started, ...placed([{ facility: 'ewr1', quantity: 2 }])])
      .when({ type: 'WithdrawBatch' })
      .thenThrows('conflict');
    const refused: BatchEvent = {
      type: 'BatchFailed',
      data: { batchId: 'b1', errorMessages: ['no capacity'], deviceIds: [], failedAt: at },
    };
    spec.given([requested, started, refused]).when({ type: 'WithdrawBatch' }).thenThrows('conflict');
    spec.given([requested, withdrawn]).when({ type: 'WithdrawBatch' }).thenThrows('not_found');
  });

  it('deleted while in progress, creates no more devices but records what comes of those it has, and does not end', () => {
    // Placed, and the first of its two devices created.
    const [placedEvent, first] = placed([{ facility: 'ewr1', quantity: 2 }]);
    const creating = [requested, started, placedEvent, first];
    const [id0, id1] = [deviceIdFor('b1', 0), deviceIdFor('b1', 1)];
    const deleted: BatchEvent = {
      type: 'BatchDeleted',
      data: { batchId: 'b1', removeAssociatedInstances: true, deviceIds: [id0], deletedAt: at },
    };
    spec.given(creating).when({ type: 'DeleteBatch', removeAssociatedInstances: true }).then([deleted]);
    expect(spec.fold([...creating, deleted])).toMatchObject({ status: 'deleted', removeAssociatedInstances: true });
    spec
      .given([...creating, deleted])
      .when({ type: 'CreateDevices' })
      .thenNothingHappened();
    const description = withoutCreatedAt((first as Extract<BatchEvent, { type: 'DeviceCreated' }>).data);
    spec
      .given([...creating, deleted])
      .when({ type: 'RecordProvisioning', outcomes: [{ deviceId: id0 }, { deviceId: id1 }] })
      .then([{ type: 'DeviceProvisioned', data: { ...description, provisionedAt: at } }]);
    spec
      .given([...creating, deleted])
      .when({ type: 'RecordProvisioning', outcomes: [{ deviceId: id0, error: 'no power' }] })
      .then([
        { type: 'DeviceProvisioningFailed', data: { deviceId: id0, batchId: 'b1', error: 'no power', failedAt: at } },
      ]);
  });

  it('derives the same device id on every attempt, and different ids for different devices', () => {
    expect(deviceIdFor('b1', 0)).toBe(deviceIdFor('b1', 0));
    expect(deviceIdFor('b1', 0)).not.toBe(deviceIdFor('b1', 1));
    expect(deviceIdFor('b1', 0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
