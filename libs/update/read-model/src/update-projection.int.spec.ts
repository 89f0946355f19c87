import { randomUUID } from 'node:crypto';
import { FirmwareMetadata } from '@flotilla/events';
import { applyCommits, CreateProjectionCheckpoints1767225600000, qualified } from '@flotilla/projections';
import { commitsOf, HistoryEntry, historyDatabase } from '@flotilla/testing';
import { CreateUpdateReadModel1767225600300 } from './create-update-read-model.migration';
import { DeviceRoomForUpdates1767225601100 } from './device-room-for-updates.migration';
import { updateProjection } from './update-projection';

const organizationId = randomUUID();
const firmware: FirmwareMetadata = {
  uuid: randomUUID(),
  product: 'gateway',
  version: '1.2.0',
  architecture: 'arm64',
  platform: 'rpi4',
};
const device = (identifier: string) => ({ identifier, organizationId, at: '' });

/**
 * A device that checks, is quarantined and let go, updates and is retagged; another that is re-registered after
 * retirement.
 */
const history: HistoryEntry[] = [
  [
    'product',
    'gateway',
    [{ type: 'ProductCreated', data: { organizationId, name: 'gateway', createdAt: '2026-01-01T00:00:00.000Z' } }],
  ],
  [
    'device',
    'a',
    [
      {
        type: 'DeviceRegistered',
        data: {
          ...device('a'),
          product: 'gateway',
          tags: ['eu'],
          credentialHash: 'h',
          source: 'admin',
          registeredAt: '2026-01-01T00:00:02.000Z',
        },
      },
    ],
  ],
  [
    'device',
    'a',
    [{ type: 'UpdateRequested', data: { ...device('a'), deploymentId: 'dep', firmwareUuid: firmware.uuid } }],
  ],
  [
    'device',
    'a',
    [{ type: 'UpdateRequested', data: { ...device('a'), deploymentId: 'dep', firmwareUuid: firmware.uuid } }],
  ],
  [
    'device',
    'a',
    [{ type: 'DeviceQuarantined', data: { ...device('a'), reason: 'too many attempts', deploymentId: 'dep' } }],
  ],
  ['device', 'a', [{ type: 'DeviceUnquarantined', data: device('a') }]],
  [
    'device',
    'a',
    [{ type: 'UpdateRequested', data: { ...device('a'), deploymentId: 'dep', firmwareUuid: firmware.uuid } }],
  ],
  ['device', 'a', [{ type: 'DeviceFirmwareChanged', data: { ...device('a'), from: null, to: firmware } }]],
  ['device', 'a', [{ type: 'DeviceTagsChanged', data: { ...device('a'), tags: ['eu', 'beta'] } }]],
  [
    'device',
    'b',
    [
      {
        type: 'DeviceRegistered',
        data: {
          ...device('b'),
          product: 'gateway',
          tags: [],
          credentialHash: 'h',
          source: 'batch',
          registeredAt: '2026-01-01T00:00:10.000Z',
        },
      },
    ],
  ],
  [
    'device',
    'b',
    [{ type: 'UpdateRequested', data: { ...device('b'), deploymentId: 'dep', firmwareUuid: firmware.uuid } }],
  ],
  ['device', 'b', [{ type: 'DeviceQuarantined', data: { ...device('b'), reason: 'failed', deploymentId: 'dep' } }]],
  ['device', 'b', [{ type: 'DeviceRetired', data: device('b') }]],
  [
    'device',
    'b',
    [
      {
        type: 'DeviceRegistered',
        data: {
          ...device('b'),
          product: 'sensor',
          tags: ['lab'],
          credentialHash: 'h2',
          source: 'admin',
          registeredAt: '2026-01-01T00:00:14.000Z',
        },
      },
    ],
  ],
  [
    'device',
    'b',
    [{ type: 'UpdateRequested', data: { ...device('b'), deploymentId: 'dep2', firmwareUuid: firmware.uuid } }],
  ],
];
const commits = commitsOf(history);

describe('the update read model', () => {
  const database = historyDatabase([
    CreateProjectionCheckpoints1767225600000,
    CreateUpdateReadModel1767225600300,
    DeviceRoomForUpdates1767225601100,
  ]);

  /** Applies the history in transactions of `perTransaction` commits into a schema of its own; returns its rows. */
  async function project(schema: string, perTransaction: number) {
    const projection = updateProjection(schema);
    const table = (name: string) => qualified(schema, name);
    const { dataSource, position } = await database.project(
      schema,
      commits,
      perTransaction,
      (manager, slice, afterSeq) => applyCommits(projection, manager, table, slice, afterSeq),
    );
    return {
      position,
      products: await dataSource.query(`select name from ${table('products')}`),
      devices: await dataSource.query(
        `select identifier, product, tags, quarantined, firmware_metadata, retired, attempts, created_at, updated_at
           from ${table('devices')} order by identifier`,
      ),
    };
  }

  it('comes out the same whether commits are applied one per transaction or all in one', async () => {
    const oneByOne = await project('one_by_one', 1);
    const inThrees = await project('in_threes', 3);
    const allAtOnce = await project('all_at_once', commits.length);

    expect(allAtOnce.position).toBe(commits.length);
    expect(oneByOne.products).toEqual([{ name: 'gateway' }]);
    expect(oneByOne.devices).toEqual([
      {
        identifier: 'a',
        product: 'gateway',
        tags: ['eu', 'beta'],
        quarantined: false,
        firmware_metadata: firmware,
        retired: false,
        attempts: 3,
        created_at: new Date('2026-01-01T00:00:02.000Z'),
        updated_at: new Date(commits[8].time),
      },
      {
        identifier: 'b',
        product: 'sensor',
        tags: ['lab'],
        quarantined: false,
        firmware_metadata: null,
        retired: false,
        attempts: 1,
        created_at: new Date('2026-01-01T00:00:14.000Z'),
        updated_at: new Date(commits[14].time),
      },
    ]);
    expect(inThrees).toEqual(oneByOne);
    expect(allAtOnce).toEqual(oneByOne);
  });

  it("counts a device's attempt in place: its row stays on its page, beside rows registered with it", async () => {
    const schema = 'in_place';
    const projection = updateProjection(schema);
    const table = (name: string) => qualified(schema, name);
    const registered = Array.from({ length: 300 }, (_, i): HistoryEntry => {
      const data = { ...device(`d${i}`), product: 'gateway', tags: ['eu'], credentialHash: 'h', source: 'admin' };
      return [
        'device',
        `d${i}`,
        [{ type: 'DeviceRegistered', data: { ...data, registeredAt: '2026-01-01T00:00:00Z' } }],
      ];
    });
    const attempt: HistoryEntry = [
      'device',
      'd0',
      [{ type: 'UpdateRequested', data: { ...device('d0'), deploymentId: 'dep', firmwareUuid: firmware.uuid } }],
    ];
    // All registered in one statement, so that the first page is as full as the table's fill leaves it.
    const { dataSource } = await database.project(schema, commitsOf([...registered, attempt]), 300, (m, slice, after) =>
      applyCommits(projection, m, table, slice, after),
    );
    const rows: { identifier: string; page: number; attempts: number }[] = await dataSource.query(
      `select identifier, (ctid::text::point)[0]::int as page, attempts from ${table('devices')}
         where identifier in ('d0', 'd1')`,
    );
    const [first, beside] = rows.sort((a, b) => a.identifier.localeCompare(b.identifier));
    expect(first).toMatchObject({ attempts: 1 });
    expect(first.page).toBe(beside.page);
  });
});
