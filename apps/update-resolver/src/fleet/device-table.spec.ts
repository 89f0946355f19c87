import { DeviceColumns, DeviceEntry, DeviceTable } from './device-table';

const device = (i: number, extra: Partial<DeviceEntry> = {}): DeviceEntry => ({
  identifier: `dev-${i}`,
  organizationId: `org-${i % 2}`,
  product: 'p',
  tags: ['a'],
  credentialHash: `hash-${i}`,
  quarantined: false,
  retired: i % 5 === 4,
  firmware: null,
  ...extra,
});

/** Devices `from` up to `to` (not included) as snapshot columns. */
function columns(from: number, to: number): DeviceColumns {
  const rows = Array.from({ length: to - from }, (_, i) => device(from + i));
  return Object.fromEntries(
    Object.keys(rows[0]).map((column) => [column, rows.map((row) => row[column as keyof DeviceEntry])]),
  ) as unknown as DeviceColumns;
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
    expect(table.rowByCredential('hash-7')).toBeUndefined();
    expect([table.rowByCredential('hash-new'), table.rowByCredential('hash-2500')]).toEqual([7, 2_500]);
    expect(table.rowByCredential('hash-9')).toBeUndefined();
    expect(table.copy().identifier).toHaveLength(2_501);
  });
});
