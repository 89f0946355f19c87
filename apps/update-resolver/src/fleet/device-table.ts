import { FirmwareMetadata } from '@flotilla/contracts';
import { DeviceFacts } from '@flotilla/update-domain';
import { RowIndex } from './row-index';

export interface DeviceEntry extends DeviceFacts {
  identifier: string;
  credentialHash: string;
  retired: boolean;
}

/** Every device as columns of equal length, a row per device: what a snapshot writes down and reads back. */
export interface DeviceColumns {
  identifier: string[];
  organizationId: string[];
  product: string[];
  tags: (readonly string[])[];
  credentialHash: string[];
  quarantined: boolean[];
  retired: boolean[];
  firmware: (FirmwareMetadata | null)[];
}

const COLUMNS: (keyof DeviceColumns)[] = [
  'identifier',
  'organizationId',
  'product',
  'tags',
  'credentialHash',
  'quarantined',
  'retired',
  'firmware',
];

const emptyColumns = (): DeviceColumns =>
  Object.fromEntries(COLUMNS.map((column) => [column, []])) as unknown as DeviceColumns;

/**
 * Columns with room for `devices` and a quarter more, all holes: a snapshot's devices are written into them row by row,
 * then they are cut to the rows written (`cutColumns`) and the table takes them. Made with room: a column of a million
 * that grows is copied (V8), 40–60 ms each, and with eight columns the first device registered after a start would
 * otherwise hold the event loop half a second.
 */
export function columnsWithRoomFor(devices: number): DeviceColumns {
  const room = devices + (devices >> 2);
  return Object.fromEntries(COLUMNS.map((column) => [column, new Array(room)])) as unknown as DeviceColumns;
}

/** Cuts every column to its first `rows` (the room after them stays allocated). */
export function cutColumns(columns: DeviceColumns, rows: number): DeviceColumns {
  for (const column of COLUMNS) columns[column].length = rows;
  return columns;
}

/**
 * The fleet's devices, column by column: a million devices are a few arrays and two typed-array indexes rather than
 * a million objects and two Maps, so a start loads them from a snapshot at about the speed of its parsing, and a
 * snapshot copies them in one go.
 * A device is read as a `DeviceEntry` made on demand (a copy: changes go through the table).
 */
export class DeviceTable {
  private columns = emptyColumns();
  /** Rows by organization and identifier (organization ids are random UUIDs: their first 16 characters are hashed). */
  private readonly rows = new RowIndex(
    (row, organizationId, identifier) =>
      this.columns.identifier[row] === identifier && this.columns.organizationId[row] === organizationId,
    16,
  );
  /** Rows of devices not retired, by credential hash (a SHA-256 in hex: its first 16 characters are hashed). */
  private readonly byCredential = new RowIndex(
    (row, credentialHash) => this.columns.credentialHash[row] === credentialHash,
    16,
  );

  get size(): number {
    return this.columns.identifier.length;
  }

  rowOf(organizationId: string, identifier: string): number | undefined {
    return this.rows.get(organizationId, identifier);
  }

  rowByCredential(credentialHash: string): number | undefined {
    return this.byCredential.get(credentialHash);
  }

  entry(row: number): DeviceEntry {
    const c = this.columns;
    return {
      identifier: c.identifier[row],
      organizationId: c.organizationId[row],
      product: c.product[row],
      tags: c.tags[row],
      credentialHash: c.credentialHash[row],
      quarantined: c.quarantined[row],
      retired: c.retired[row],
      firmware: c.firmware[row],
    };
  }

  /** Adds a device, or sets every column of one of the same organization and identifier; returns its row. */
  put(device: DeviceEntry): number {
    let row = this.rowOf(device.organizationId, device.identifier);
    if (row === undefined) row = this.size;
    else this.unindexCredential(row);
    for (const column of COLUMNS) (this.columns[column] as unknown[])[row] = device[column];
    this.index(row);
    return row;
  }

  /**
   * Appends devices a snapshot wrote down (of organizations and identifiers not here yet). An empty table, as at a
   * start, takes the columns as they are (made by `columnsWithRoomFor`), so a million devices are not copied again.
   */
  load(devices: DeviceColumns): void {
    const start = this.size;
    if (start === 0) this.columns = devices;
    else
      for (const column of COLUMNS) {
        const [into, from] = [this.columns[column], devices[column]] as unknown[][];
        for (let i = 0; i < from.length; i++) into.push(from[i]);
      }
    const { identifier, organizationId, credentialHash, retired } = this.columns;
    this.rows.fill(
      start,
      this.size,
      (row) => organizationId[row],
      (row) => identifier[row],
    );
    this.byCredential.fill(
      start,
      this.size,
      (row) => (retired[row] ? null : credentialHash[row]),
      () => '',
    );
  }

  /** A copy of every column (the rows as they are now). */
  copy(): DeviceColumns {
    return Object.fromEntries(
      COLUMNS.map((column) => [column, (this.columns[column] as unknown[]).slice()]),
    ) as unknown as DeviceColumns;
  }

  setTags(row: number, tags: readonly string[]): void {
    this.columns.tags[row] = tags;
  }

  setCredential(row: number, credentialHash: string): void {
    this.unindexCredential(row);
    this.columns.credentialHash[row] = credentialHash;
    if (!this.columns.retired[row]) this.byCredential.set(credentialHash, '', row);
  }

  setFirmware(row: number, firmware: FirmwareMetadata | null): void {
    this.columns.firmware[row] = firmware;
  }

  setQuarantined(row: number, quarantined: boolean): void {
    this.columns.quarantined[row] = quarantined;
  }

  retire(row: number): void {
    this.unindexCredential(row);
    this.columns.retired[row] = true;
  }

  clear(): void {
    this.columns = emptyColumns();
    this.rows.clear();
    this.byCredential.clear();
  }

  /** Points the indexes at a row: by organization and identifier, and by credential unless it is retired. */
  private index(row: number): void {
    const { identifier, organizationId, credentialHash, retired } = this.columns;
    this.rows.set(organizationId[row], identifier[row], row);
    if (!retired[row]) this.byCredential.set(credentialHash[row], '', row);
  }

  private unindexCredential(row: number): void {
    this.byCredential.delete(this.columns.credentialHash[row], '', row);
  }
}
