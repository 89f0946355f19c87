import { DeviceColumns } from './device-table';
import { encodeFleet, FleetSnapshotReader, PartsChecksum } from './fleet-snapshot';

const firmware = { uuid: 'fw-1', product: 'p', version: '1.0.0', architecture: 'arm', platform: 'rpi4' };

/** `count` devices, every fourth quarantined, every fifth retired, one in three on firmware. */
function devices(count: number, identifier = (i: number) => `dev-${i}`): DeviceColumns {
  const rows = Array.from({ length: count }, (_, i) => i);
  return {
    identifier: rows.map(identifier),
    organizationId: rows.map((i) => `org-${i % 2}`),
    product: rows.map(() => 'p'),
    tags: rows.map((i) => (i % 2 ? ['a'] : ['a', 'b'])),
    credentialHash: rows.map((i) => `hash-${i}`),
    quarantined: rows.map((i) => i % 4 === 0),
    retired: rows.map((i) => i % 5 === 0),
    firmware: rows.map((i) => (i % 3 ? null : firmware)),
  };
}

const emptyCatalog = {
  streamSeq: 7,
  streamCreated: 'created',
  skipped: [3],
  products: [],
  firmwares: [],
  deployments: [],
};

function roundTrip(columns: DeviceColumns) {
  const parts = [...encodeFleet({ ...emptyCatalog, devices: columns })];
  const reader = new FleetSnapshotReader(columns.identifier.length);
  const [catalog, ...rest] = parts.map((part) => reader.read(part));
  const written = new PartsChecksum();
  parts.forEach((part) => written.add(part));
  expect(reader.digest()).toBe(written.digest());
  expect(rest.every((part) => part === null)).toBe(true);
  const joined = reader.allDevices();
  return { parts, catalog, joined };
}

describe('a fleet snapshot', () => {
  it('reads back every device column as written, across parts', () => {
    const columns = devices(45_000);
    const { parts, catalog, joined } = roundTrip(columns);
    expect(parts).toHaveLength(1 + 3);
    expect(catalog).toEqual(expect.objectContaining({ streamSeq: 7, skipped: [3] }));
    expect(joined).toEqual(columns);
  });

  it('keeps a value with a line break whole', () => {
    const columns = devices(3, (i) => (i === 1 ? 'two\nlines' : `dev-${i}`));
    expect(roundTrip(columns).joined).toEqual(columns);
  });

  it('is refused when it holds other than the devices its header says', () => {
    const parts = [...encodeFleet({ ...emptyCatalog, devices: devices(30_000) })];
    const told = (count: number) => {
      const reader = new FleetSnapshotReader(count);
      parts.forEach((part) => reader.read(part));
      return reader.allDevices();
    };
    expect(() => told(30_001)).toThrow('the snapshot holds 30000 of its 30001 devices');
    expect(() => told(29_999)).toThrow('the snapshot holds more than its 29999 devices');
    expect(told(30_000).identifier).toHaveLength(30_000);
  });
});
