import { createHash } from 'node:crypto';
import { DeviceColumns, DeviceEntry, DeviceTable } from './device-table';

/** Odd devices' credential hashes are SHA-256s in hex (kept as bytes), even ones anything else (kept as they are). */
const credential = (i: number) => (i % 2 ? createHash('sha256').update(`c${i}`).digest('hex') : `hash-${i}`);

const device = (i: number, extra: Partial<DeviceEntry> = {}): DeviceEntry => ({
  identifier: `dev-${i}`,
  organizationId: `org-${i % 2}`,
  product: 'p',
  tags: [i % 3 ? 'a' : 'b'],
  credentialHash: credential(i),
  retired: i % 5 === 4,
  firmware:
    i % 4 ? null : { uuid: `fw-${i % 8}`, product: 'p', version: '1.0.0', architecture: 'arm', platform: 'rpi' },
  quarantined: i % 6 === 0,
  ...extra,
});

/** Devices `from` up to `to` (not included) as a snapshot has them: the columns of a table that holds them. */
function columns(from: number, to: number): DeviceColumns {
  const table = new DeviceTable();
  for (let i = from; i < to; i++) table.put(device(i));
  return table.copy();
}

describe('a device table', () => {
  it.each([
    ['an empty table, which takes the columns as they are', 0],
    ['a table holding devices, which appends them', 3],
  ])('loads devices into %s, then takes new devices and changes as if it had put every one', (_, held) => {
    const table = new DeviceTable();
    for (let i = 0; i < held; i++) table.put(device(i));
    table.load(columns(held, 2_500));
    table.put(device(2_500));
    table.put(device(7, { tags: ['b'], credentialHash: 'hash-new' }));

    const expected = Array.from({ length: 2_501 }, (_, i) =>
      device(i, i === 7 ? { tags: ['b'], credentialHash: 'hash-new' } : {}),
    );
    expect(table.size).toBe(2_501);
    expect(expected.map((_, row) => table.entry(row))).toEqual(expected);
    expect(expected.map((d) => table.rowOf(d.organizationId, d.identifier))).toEqual(expected.map((_, row) => row));
    // Retired devices are not found by their credential; a changed credential is found by its new value only.
    expect(table.rowByCredential(credential(7))).toBeUndefined();
    expect([table.rowByCredential('hash-new'), table.rowByCredential(credential(2_500))]).toEqual([7, 2_500]);
    expect([9, 14].map((i) => table.rowByCredential(credential(i)))).toEqual([undefined, undefined]); // retired
    expect([11, 12].map((i) => table.rowByCredential(credential(i)))).toEqual([11, 12]);
    // A hash that differs in its last digit alone lands on the same slot, and is still not the device's.
    const near = credential(11).slice(0, 63) + (credential(11).endsWith('0') ? '1' : '0');
    expect(table.rowByCredential(near)).toBeUndefined();
    expect(table.copy().size).toBe(2_501);
  });

  it('changes one column of a row and leaves the rest', () => {
    const table = new DeviceTable();
    table.load(columns(0, 10));
    const firmware = { uuid: 'fw-new', product: 'p', version: '2.0.0', architecture: 'arm', platform: 'rpi' };
    table.setQuarantined(1, true);
    table.setQuarantined(6, false);
    table.setFirmware(2, firmware);
    table.setFirmware(4, null);
    table.setTags(3, ['x', 'y']);
    table.retire(5);

    expect(table.entry(1)).toEqual(device(1, { quarantined: true }));
    expect(table.entry(6)).toEqual(device(6, { quarantined: false }));
    expect(table.entry(2)).toEqual(device(2, { firmware }));
    expect(table.entry(4)).toEqual(device(4, { firmware: null }));
    expect(table.entry(3)).toEqual(device(3, { tags: ['x', 'y'] }));
    expect(table.entry(5)).toEqual(device(5, { retired: true }));
    expect(table.rowByCredential(credential(5))).toBeUndefined();
    // Values are kept once and frozen: a device's tags cannot be changed in place.
    expect(table.entry(3).tags).toBe(table.entry(3).tags);
    expect(Object.isFrozen(table.entry(3).tags)).toBe(true);
  });

  it('drops values no row points at any more and reuses their slots, and a copy of it loads as the same devices', () => {
    const table = new DeviceTable();
    for (let i = 0; i < 100; i++) table.put(device(i));
    const slots = table.valueSlots;
    // A week of tag changes: every device gets tags of its own, again and again, and changes firmware too.
    for (let round = 0; round < 50; round++)
      for (let row = 0; row < 100; row += 2) {
        table.setTags(row, [`serial:${row}`, `round:${round}`]);
        table.setFirmware(row, { ...device(0).firmware!, uuid: `fw-${row}-${round}` });
      }
    table.put(device(1, { product: 'q', tags: ['unique'] })); // a device registered again with other values

    // Only the values rows point at take room: 2 per changed device, beside the 100 devices' shared ones.
    expect(table.valueSlots).toBeLessThanOrEqual(slots + 2 * 50 + 2);
    expect(table.entry(10).tags).toEqual(['serial:10', 'round:49']);
    expect(table.entry(1)).toEqual(device(1, { product: 'q', tags: ['unique'] }));
    const copied = table.copy();
    expect(copied.values).not.toContain(undefined);
    const loaded = new DeviceTable();
    loaded.load(copied);
    const rows = Array.from({ length: 100 }, (_, row) => row);
    expect(rows.map((row) => loaded.entry(row))).toEqual(rows.map((row) => table.entry(row)));
    // The loaded table counts its values too: changing every row away from a value drops it there as well.
    for (const row of rows) loaded.setTags(row, ['same']);
    expect(loaded.copy().values.filter((value) => Array.isArray(value))).toEqual([['same']]);
  });
});
