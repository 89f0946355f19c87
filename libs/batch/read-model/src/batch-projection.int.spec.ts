import { randomUUID } from 'node:crypto';
import { DeviceDescription, DeviceDetails } from '@flotilla/events';
import { applyCommits, CreateProjectionCheckpoints1767225600000, qualified } from '@flotilla/projections';
import { commitsOf, HistoryEntry, historyDatabase } from '@flotilla/testing';
import { batchProjection } from './batch-projection';
import { batchMigrations } from './create-batch-read-model.migration';

const plan = 'c3.small.x86';
const [b1, b2, d1, d2, d3, project, organization] = Array.from({ length: 7 }, () => randomUUID());

function device(deviceId: string, index: number, facility: string): DeviceDescription {
  return {
    deviceId,
    batchId: b1,
    projectId: project,
    organizationId: organization,
    index,
    hostname: `web${index}`,
    plan,
    facility,
    operatingSystem: 'ubuntu_24_04',
    billingCycle: 'hourly',
    tags: ['web'],
    spotInstance: false,
    spotPriceMax: null,
    spotPrice: null,
    attributes: {},
  };
}

const lockChanged = (deviceId: string, locked: boolean) => ({
  type: 'DeviceLockChanged',
  data: { deviceId, batchId: b1, organizationId: organization, locked, changedAt: '' },
});

const updated = (deviceId: string, details: DeviceDetails) => ({
  type: 'DeviceUpdated',
  data: { deviceId, batchId: b1, organizationId: organization, ...details, updatedAt: '' },
});

/** A batch's whole life and a deleted one, as the log holds them: [aggregate type, id, events] per commit. */
const history: HistoryEntry[] = [
  ['catalog', 'global', [{ type: 'MetroDefined', data: { code: 'ny', name: 'New York', country: 'US' } }]],
  ['catalog', 'global', [{ type: 'FacilityDefined', data: { code: 'ewr1', name: 'Parsippany', metro: 'ny' } }]],
  [
    'capacity',
    plan,
    [
      { type: 'CapacityTotalSet', data: { plan, facility: 'ewr1', total: 10 } },
      { type: 'CapacityTotalSet', data: { plan, facility: 'sjc1', total: 5 } },
    ],
  ],
  [
    'batch',
    b1,
    [
      {
        type: 'BatchRequested',
        data: {
          batchId: b1,
          projectId: project,
          organizationId: organization,
          item: { plan, quantity: 3 },
          hostnames: null,
          hostname: 'web{{index}}',
          requestedAt: '',
        },
      },
    ],
  ],
  ['batch', b1, [{ type: 'BatchStarted', data: { batchId: b1, startedAt: '' } }]],
  [
    'capacity',
    plan,
    [
      {
        type: 'CapacityReserved',
        data: {
          plan,
          batchId: b1,
          allocations: [
            { facility: 'ewr1', quantity: 2 },
            { facility: 'sjc1', quantity: 1 },
          ],
          spotPrices: {},
        },
      },
    ],
  ],
  [
    'batch',
    b1,
    [
      {
        type: 'BatchPlaced',
        data: {
          batchId: b1,
          allocations: [
            { facility: 'ewr1', quantity: 2 },
            { facility: 'sjc1', quantity: 1 },
          ],
          spotPrices: {},
          placedAt: '',
        },
      },
      { type: 'DeviceCreated', data: { ...device(d1, 0, 'ewr1'), createdAt: '' } },
      { type: 'DeviceCreated', data: { ...device(d2, 1, 'ewr1'), createdAt: '' } },
      { type: 'DeviceCreated', data: { ...device(d3, 2, 'sjc1'), createdAt: '' } },
    ],
  ],
  [
    'capacity',
    plan,
    [
      { type: 'ReservedCapacityUsed', data: { plan, batchId: b1, facility: 'ewr1', count: 2 } },
      { type: 'ReservationReleased', data: { plan, batchId: b1, allocations: [{ facility: 'sjc1', quantity: 1 }] } },
    ],
  ],
  [
    'batch',
    b1,
    [
      { type: 'DeviceProvisioned', data: { ...device(d1, 0, 'ewr1'), provisionedAt: '' } },
      { type: 'DeviceProvisioned', data: { ...device(d2, 1, 'ewr1'), provisionedAt: '' } },
      { type: 'DeviceProvisioningFailed', data: { deviceId: d3, batchId: b1, error: 'sjc1: no power', failedAt: '' } },
      {
        type: 'BatchFailed',
        data: { batchId: b1, errorMessages: ['sjc1: no power'], deviceIds: [d1, d2, d3], failedAt: '' },
      },
    ],
  ],
  [
    'batch',
    b2,
    [
      {
        type: 'BatchRequested',
        data: {
          batchId: b2,
          projectId: project,
          organizationId: organization,
          item: { plan, quantity: 1 },
          hostnames: null,
          hostname: 'x',
          requestedAt: '',
        },
      },
    ],
  ],
  [
    'batch',
    b2,
    [{ type: 'BatchDeleted', data: { batchId: b2, removeAssociatedInstances: false, deviceIds: [], deletedAt: '' } }],
  ],
  ['device', d1, [lockChanged(d1, true)]],
  ['device', d2, [lockChanged(d2, true)]],
  ['device', d2, [lockChanged(d2, false)]],
  [
    'device',
    d2,
    [
      {
        type: 'DeviceDeleted',
        data: {
          deviceId: d2,
          batchId: b1,
          organizationId: organization,
          plan,
          facility: 'ewr1',
          heldCapacity: true,
          deletedAt: '',
        },
      },
    ],
  ],
  ['capacity', plan, [{ type: 'DeviceCapacityReleased', data: { plan, facility: 'ewr1', count: 1 } }]],
  ['device', d1, [updated(d1, { hostname: 'db1', tags: ['db'], description: 'primary', customdata: { rack: 2 } })]],
  ['device', d1, [updated(d1, { customdata: { rack: 3 } })]],
  ['device', d3, [updated(d3, { description: 'spare' })]],
];

const commits = commitsOf(history);

describe('the batch read model', () => {
  const database = historyDatabase([CreateProjectionCheckpoints1767225600000, ...batchMigrations]);

  /** Applies the history in transactions of `perTransaction` commits into a schema of its own; returns its rows. */
  async function project(schema: string, perTransaction: number) {
    const projection = batchProjection(schema);
    const table = (name: string) => qualified(schema, name);
    const { dataSource, position } = await database.project(
      schema,
      commits,
      perTransaction,
      (manager, slice, afterSeq) => applyCommits(projection, manager, table, slice, afterSeq),
    );
    const rows = (sql: string) => dataSource.query(sql.replace(/\{(\w+)\}/g, (_, name) => table(name)));
    return {
      position,
      facilities: await rows('select code, metro from {facilities}'),
      metros: await rows('select code, name, country from {metros}'),
      capacity: await rows('select facility, total, held, reserved from {capacity} order by facility'),
      batches: await rows(
        'select id, state, quantity, error_messages, facility_allocations, device_ids, created_at, updated_at from {batches}',
      ),
      devices: await rows(
        'select id, state, error, facility, hostname, tags, position, attributes, updated_at from {devices} order by position',
      ),
    };
  }

  it('comes out the same whether commits are applied one per transaction or all in one', async () => {
    const oneByOne = await project('one_by_one', 1);
    const inPairs = await project('in_pairs', 2);
    const allAtOnce = await project('all_at_once', commits.length);

    expect(allAtOnce.position).toBe(commits.length);
    expect(oneByOne.facilities).toEqual([{ code: 'ewr1', metro: 'ny' }]);
    expect(oneByOne.metros).toEqual([{ code: 'ny', name: 'New York', country: 'US' }]);
    expect(oneByOne.capacity).toEqual([
      { facility: 'ewr1', total: 10, held: 1, reserved: 0 },
      { facility: 'sjc1', total: 5, held: 0, reserved: 0 },
    ]);
    expect(oneByOne.batches).toEqual([
      {
        id: b1,
        state: 'failed',
        quantity: 3,
        error_messages: ['sjc1: no power'],
        facility_allocations: [
          { facility: 'ewr1', quantity: 2 },
          { facility: 'sjc1', quantity: 1 },
        ],
        device_ids: [d1, d2, d3],
        created_at: new Date(commits[3].time),
        updated_at: new Date(commits[8].time),
      },
    ]);
    type Row = {
      id: string;
      state: string;
      error: string | null;
      hostname: string;
      tags: string[];
      attributes: object;
    };
    expect(oneByOne.devices.map((d: Row) => [d.id, d.state, d.error, d.hostname, d.tags, d.attributes])).toEqual([
      [d1, 'active', null, 'db1', ['db'], { locked: true, description: 'primary', customdata: { rack: 3 } }],
      [d2, 'deleted', null, 'web1', ['web'], { locked: false }],
      [d3, 'failed', 'sjc1: no power', 'web2', ['web'], { description: 'spare' }],
    ]);
    expect(inPairs).toEqual(oneByOne);
    expect(allAtOnce).toEqual(oneByOne);
  });
});
