import { createHash } from 'node:crypto';
import { entriesOf } from '../test-fixtures/device-entries';
import { CheckingColumns } from './device-checking';
import { DeviceColumns, DeviceEntry, DeviceTable } from './device-table';
import { encodeFleet, FleetSnapshotReader, PartsChecksum } from './fleet-snapshot';

const firmware = { uuid: 'fw-1', product: 'p', version: '1.0.0', architecture: 'arm', platform: 'rpi4' };

/** `count` devices, every fourth quarantined, every fifth retired, one in three on firmware. */
function fleet(count: number, identifier = (i: number) => `dev-${i}`): DeviceEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    identifier: identifier(i),
    organizationId: `org-${i % 2}`,
    product: 'p',
    tags: i % 2 ? ['a'] : ['a', 'b'],
    credentialHash: i % 3 ? createHash('sha256').update(`c${i}`).digest('hex') : `hash-${i}`,
    quarantined: i % 4 === 0,
    retired: i % 5 === 0,
    firmware: i % 3 ? null : firmware,
  }));
}

function columnsOf(devices: DeviceEntry[]): DeviceColumns {
  const table = new DeviceTable();
  devices.forEach((device) => table.put(device));
  return table.copy();
}

/** What checks decide on, for `size` devices: every seventh unknown, every eleventh with attempts. */
function checkingOf(size: number): CheckingColumns {
  const checking: CheckingColumns = {
    versions: Float64Array.from({ length: size }, (_, i) => (i % 7 ? 1_000 + i : 0)),
    cutoffs: Float64Array.from({ length: size }, (_, i) => (i % 3 ? 1.7e12 + i : 0)),
    attempts: new Map(),
  };
  for (let i = 0; i < size; i += 11) checking.attempts.set(i, { D: [[1.7e12 + i, 1.7e12 + 2 * i]], [`E${i}`]: [[i]] });
  return checking;
}

const contentsOf = (devices: DeviceColumns) => ({ ...emptyCatalog, devices, checking: checkingOf(devices.size) });

const emptyCatalog = {
  streamSeq: 7,
  streamCreated: 'created',
  skipped: [3],
  products: [],
  firmwares: [],
  deployments: [],
};

function roundTrip(columns: DeviceColumns) {
  const parts = [...encodeFleet(contentsOf(columns))];
  const reader = new FleetSnapshotReader(columns.size);
  const [catalog, ...rest] = parts.map((part) => reader.read(part));
  const written = new PartsChecksum();
  parts.forEach((part) => written.add(part));
  expect(reader.digest()).toBe(written.digest());
  expect(rest.every((part) => part === null)).toBe(true);
  const { devices, checking } = reader.allDevices();
  return { parts, catalog, joined: devices, checking };
}

describe('a fleet snapshot', () => {
  it('reads back every device as written, across parts', () => {
    const devices = fleet(12_000);
    const { parts, catalog, joined, checking } = roundTrip(columnsOf(devices));
    expect(parts).toHaveLength(1 + 3);
    expect(catalog).toEqual(expect.objectContaining({ streamSeq: 7, skipped: [3] }));
    expect(entriesOf(joined)).toEqual(devices);
    const written = checkingOf(devices.length);
    expect(checking.versions.subarray(0, devices.length)).toEqual(written.versions);
    expect(checking.cutoffs.subarray(0, devices.length)).toEqual(written.cutoffs);
    expect(checking.attempts).toEqual(written.attempts);
  });

  it('keeps a value with a line break whole', () => {
    const devices = fleet(3, (i) => (i === 1 ? 'two\nlines' : `dev-${i}`));
    expect(entriesOf(roundTrip(columnsOf(devices)).joined)).toEqual(devices);
  });

  it('is refused when it holds other than the devices its header says', () => {
    const parts = [...encodeFleet(contentsOf(columnsOf(fleet(30_000))))];
    const told = (count: number) => {
      const reader = new FleetSnapshotReader(count);
      parts.forEach((part) => reader.read(part));
      return reader.allDevices();
    };
    expect(() => told(30_001)).toThrow('the snapshot holds 30000 of its 30001 devices');
    expect(() => told(29_999)).toThrow('the snapshot holds more than its 29999 devices');
    expect(told(30_000).devices.size).toBe(30_000);
  });

  it('is refused when a device names a value it does not hold', () => {
    const [catalog, part] = [...encodeFleet(contentsOf(columnsOf(fleet(2))))];
    const lines = part.split('\n');
    lines[0] = JSON.stringify({ ...JSON.parse(lines[0]), values: [] });
    const reader = new FleetSnapshotReader(2);
    reader.read(catalog);
    expect(() => reader.read(lines.join('\n'))).toThrow('a snapshot part names value 0');
  });

  it('is refused when a part names a device it does not hold', () => {
    const [catalog, part] = [...encodeFleet(contentsOf(columnsOf(fleet(2))))];
    const lines = part.split('\n');
    lines[0] = JSON.stringify({ ...JSON.parse(lines[0]), attempts: [[2, { D: [[1]] }]] });
    const reader = new FleetSnapshotReader(2);
    reader.read(catalog);
    expect(() => reader.read(lines.join('\n'))).toThrow('a snapshot part names device 2 of 2');
  });
});
