import { DeviceColumns, DeviceEntry, DeviceTable } from '../fleet/device-table';

/** The devices of snapshot columns, row by row, as a table that loaded them reads them. */
export function entriesOf(columns: DeviceColumns): DeviceEntry[] {
  const table = new DeviceTable();
  table.load(columns);
  return Array.from({ length: table.size }, (_, row) => table.entry(row));
}
