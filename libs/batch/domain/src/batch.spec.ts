import { BatchEvent, RequestedItem } from '@flotilla/contracts';
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
  data: { batchId: 'b1', projectId: 'p1', organizationId: 'o1', item, hostname: 'web{{index}}', hostnames: null, requestedAt: at },
};
const started: BatchEvent = { type: 'BatchStarted', data: { batchId: 'b1', startedAt: at } };

describe('batch decider', () => {
  it('queues a requested batch', () => {
    spec
      .given([])
      .when({ type: 'RequestBatch', batchId: 'b1', projectId: 'p1', organizationId: 'o1', item, hostname: 'web{{index}}', hostnames: null })
      .then([requested]);
  });

  it('starts a queued batch once', () => {
    spec.given([requested]).when({ type: 'StartBatch', batchId: 'b1' }).then([started]);
    spec.given([requested, started]).when({ type: 'StartBatch', batchId: 'b1' }).thenNothingHappened();
  });

  it('completes only with exactly its quantity of devices', () => {
    spec
      .given([requested, started])
      .when({ type: 'CompleteBatch', batchId: 'b1', deviceIds: ['d1', 'd2'] })
      .then([{ type: 'BatchCompleted', data: { batchId: 'b1', deviceIds: ['d1', 'd2'], completedAt: at } }]);
    spec.given([requested, started]).when({ type: 'CompleteBatch', batchId: 'b1', deviceIds: ['d1'] }).thenThrows('conflict');
  });

  it('fails with the messages a user can act on, and never leaves a terminal state', () => {
    const failed: BatchEvent = { type: 'BatchFailed', data: { batchId: 'b1', errorMessages: ['no capacity'], deviceIds: [], failedAt: at } };
    spec.given([requested, started]).when({ type: 'FailBatch', batchId: 'b1', errorMessages: ['no capacity'], deviceIds: [] }).then([failed]);
    spec.given([requested, started, failed]).when({ type: 'CompleteBatch', batchId: 'b1', deviceIds: ['d1', 'd2'] }).thenNothingHappened();
  });

  it('answers a deleted batch as not found', () => {
    const deleted: BatchEvent = { type: 'BatchDeleted', data: { batchId: 'b1', removeAssociatedInstances: false, deletedAt: at } };
    spec.given([requested, deleted]).when({ type: 'StartBatch', batchId: 'b1' }).thenThrows('not_found');
  });

  it('derives the same device id on every attempt, and different ids for different devices', () => {
    expect(deviceIdFor('b1', 0)).toBe(deviceIdFor('b1', 0));
    expect(deviceIdFor('b1', 0)).not.toBe(deviceIdFor('b1', 1));
    expect(deviceIdFor('b1', 0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
