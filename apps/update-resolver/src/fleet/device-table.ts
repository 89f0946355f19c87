import { FirmwareMetadata } from '@flotilla/contracts';
import { DeviceFacts } from '@flotilla/update-domain';
import { hashOf, RowIndex } from './row-index';

export interface DeviceEntry extends DeviceFacts {
  identifier: string;
  credentialHash: string;
  retired: boolean;
}

/**
 * Every device as columns, a row per device: what a snapshot writes down and reads back. Organizations, products, tag
 * sets and firmwares are few and shared by many devices: their columns hold indexes into `values` (one list for all
 * four, each value frozen), so they are typed arrays, which a snapshot writes and reads as bytes; so are credential
 * hashes, SHA-256s kept as their 32 bytes. Typed columns may have room beyond `size`.
 */
export interface DeviceColumns {
  size: number;
  identifier: string[];
  /** CREDENTIAL_BYTES per row: the credential hash's bytes, unless the row is in `otherCredentials`. */
  credentialHash: Buffer;
  /** Rows whose credential hash is not a SHA-256 in lowercase hex, with it. */
  otherCredentials: Map<number, string>;
  organizationId: Int32Array;
  product: Int32Array;
  tags: Int32Array;
  /** -1: no firmware reported. */
  firmware: Int32Array;
  /** QUARANTINED | RETIRED. */
  flags: Uint8Array;
  values: unknown[];
}

export const QUARANTINED = 1;
export const RETIRED = 2;
export const CREDENTIAL_BYTES = 32;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The columns of indexes into `values`, in the order a snapshot writes them. */
export const VALUE_COLUMNS = ['organizationId', 'product', 'tags', 'firmware'] as const;

/** Columns with room for `devices` and a quarter more, so that the first devices put after a start copy nothing. */
export function columnsWithRoomFor(devices: number): DeviceColumns {
  const room = devices + (devices >> 2);
  return {
    size: 0,
    // Holes, written row by row: a column of a million that grows is copied (V8), 40–60 ms each.
    identifier: new Array(room),
    credentialHash: Buffer.alloc(room * CREDENTIAL_BYTES),
    otherCredentials: new Map(),
    organizationId: new Int32Array(room),
    product: new Int32Array(room),
    tags: new Int32Array(room),
    firmware: new Int32Array(room),
    flags: new Uint8Array(room),
    values: [],
  };
}

/** A device's credential hash. */
export function credentialOf(c: DeviceColumns, row: number): string {
  const at = row * CREDENTIAL_BYTES;
  return c.otherCredentials.get(row) ?? c.credentialHash.toString('hex', at, at + CREDENTIAL_BYTES);
}

const HEX_DIGITS = [...'0123456789abcdef'].map((digit) => digit.charCodeAt(0));

/** Whether the row's credential hash is `credentialHash`, read from its bytes as they are (a check's lookup). */
function holdsCredential(c: DeviceColumns, row: number, credentialHash: string): boolean {
  const other = c.otherCredentials.get(row);
  if (other !== undefined) return other === credentialHash;
  if (credentialHash.length !== CREDENTIAL_BYTES * 2) return false;
  const at = row * CREDENTIAL_BYTES;
  for (let i = 0; i < CREDENTIAL_BYTES; i++) {
    const byte = c.credentialHash[at + i];
    if (
      HEX_DIGITS[byte >> 4] !== credentialHash.charCodeAt(2 * i) ||
      HEX_DIGITS[byte & 15] !== credentialHash.charCodeAt(2 * i + 1)
    )
      return false;
  }
  return true;
}

function writeCredential(c: DeviceColumns, row: number, credentialHash: string): void {
  if (!SHA256_HEX.test(credentialHash)) c.otherCredentials.set(row, credentialHash);
  else {
    c.credentialHash.write(credentialHash, row * CREDENTIAL_BYTES, CREDENTIAL_BYTES, 'hex');
    c.otherCredentials.delete(row);
  }
}

/** Where a credential hash goes in the index: a SHA-256's first four bytes (random already); anything else hashed. */
const credentialSlotHash = (credentialHash: string) =>
  SHA256_HEX.test(credentialHash) ? parseInt(credentialHash.slice(0, 8), 16) | 0 : hashOf(credentialHash, '');

/** The same for a row, read from its bytes. */
function rowCredentialSlotHash(c: DeviceColumns, row: number): number {
  const other = c.otherCredentials.get(row);
  return other === undefined ? c.credentialHash.readInt32BE(row * CREDENTIAL_BYTES) : credentialSlotHash(other);
}

/** The key a value is found by in a table's `values`: equal keys, equal values. */
function keyOf(value: unknown): string {
  if (typeof value === 'string') return `s${value}`;
  if (Array.isArray(value)) return `t${JSON.stringify(value)}`;
  const { uuid, product, version, architecture, platform } = value as FirmwareMetadata;
  return `f${JSON.stringify([uuid, product, version, architecture, platform])}`;
}

/**
 * The fleet's devices, column by column: a million devices are a few arrays and two typed-array indexes rather than
 * a million objects and two Maps, so a start loads them from a snapshot at about the speed of reading it, and a
 * snapshot copies them in one go. Values (organizations, products, tag sets, firmwares) are kept once each and counted:
 * one no row points at any more (a tag set every device has changed away from) is dropped and its slot reused, so a
 * week of tag changes leaves no trail.
 * A device is read as a `DeviceEntry` made on demand (a copy: changes go through the table).
 */
export class DeviceTable {
  private columns = columnsWithRoomFor(0);
  private valueIndexes = new Map<string, number>();
  /** Rows pointing at each value, and the slots of `values` no row points at (holes, reused first). */
  private valueRows: number[] = [];
  private freeValues: number[] = [];
  /** Rows by organization and identifier (organization ids are random UUIDs: their first 16 characters are hashed). */
  private readonly rows = new RowIndex(
    (row, organizationId, identifier) =>
      this.columns.identifier[row] === identifier && this.valueOf(this.columns.organizationId[row]) === organizationId,
    (organizationId, identifier) => hashOf(organizationId, identifier, 16),
  );
  /** Rows of devices not retired, by credential hash. */
  private readonly byCredential = new RowIndex(
    (row, credentialHash) => holdsCredential(this.columns, row, credentialHash),
    credentialSlotHash,
  );

  get size(): number {
    return this.columns.size;
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
      organizationId: this.valueOf(c.organizationId[row]) as string,
      product: this.valueOf(c.product[row]) as string,
      tags: this.valueOf(c.tags[row]) as readonly string[],
      credentialHash: credentialOf(c, row),
      quarantined: (c.flags[row] & QUARANTINED) !== 0,
      retired: (c.flags[row] & RETIRED) !== 0,
      firmware: c.firmware[row] < 0 ? null : (this.valueOf(c.firmware[row]) as FirmwareMetadata),
    };
  }

  /** Adds a device, or sets every column of one of the same organization and identifier; returns its row. */
  put(device: DeviceEntry): number {
    let row = this.rowOf(device.organizationId, device.identifier);
    const held = row === undefined ? [] : VALUE_COLUMNS.map((column) => this.columns[column][row as number]);
    if (row === undefined) {
      row = this.size;
      this.makeRoom(row + 1);
      this.columns.size++;
    } else this.unindexCredential(row);
    const c = this.columns;
    c.identifier[row] = device.identifier;
    writeCredential(c, row, device.credentialHash);
    c.organizationId[row] = this.hold(device.organizationId);
    c.product[row] = this.hold(device.product);
    c.tags[row] = this.hold(device.tags);
    c.firmware[row] = device.firmware ? this.hold(device.firmware) : -1;
    c.flags[row] = (device.quarantined ? QUARANTINED : 0) | (device.retired ? RETIRED : 0);
    held.forEach((index) => this.release(index));
    this.index(row);
    return row;
  }

  /**
   * Appends devices a snapshot wrote down (of organizations and identifiers not here yet). An empty table, as at a
   * start, takes the columns as they are, room and values included, so a million devices are not copied again, and
   * fills its indexes in one go.
   */
  load(devices: DeviceColumns): void {
    const start = this.size;
    if (start > 0) {
      this.makeRoom(start + devices.size);
      const c = this.columns;
      const hold = (i: number) => (i < 0 ? -1 : this.hold(devices.values[i] as string));
      for (let i = 0, row = start; i < devices.size; i++, row++) {
        c.identifier[row] = devices.identifier[i];
        writeCredential(c, row, credentialOf(devices, i));
        for (const column of VALUE_COLUMNS) c[column][row] = hold(devices[column][i]);
        c.flags[row] = devices.flags[i];
        c.size++;
        this.index(row);
      }
      return;
    }
    const c = (this.columns = devices);
    this.countValueRows();
    const { identifier, organizationId, flags } = c;
    this.rows.fill(
      0,
      c.size,
      (row) => hashOf(this.valueOf(organizationId[row]) as string, identifier[row], 16),
      (a, b) => identifier[a] === identifier[b] && organizationId[a] === organizationId[b],
    );
    this.byCredential.fill(
      0,
      c.size,
      (row) => (flags[row] & RETIRED ? null : rowCredentialSlotHash(c, row)),
      (a, b) => credentialOf(c, a) === credentialOf(c, b),
    );
  }

  /** A copy of every column (the rows as they are now), its values without holes. */
  copy(): DeviceColumns {
    const c = this.columns;
    // Where values have holes, the copy's are numbered anew and its value columns pointed at the new numbers.
    const holes = this.freeValues.length > 0;
    const values = holes ? [] : c.values.slice();
    const renumbered = holes ? c.values.map((value) => (value === undefined ? -1 : values.push(value) - 1)) : [];
    const valueColumn = (column: Int32Array) => {
      const copied = column.slice(0, c.size);
      if (holes) for (let row = 0; row < c.size; row++) if (copied[row] >= 0) copied[row] = renumbered[copied[row]];
      return copied;
    };
    return {
      size: c.size,
      identifier: c.identifier.slice(0, c.size),
      credentialHash: Buffer.from(c.credentialHash.subarray(0, c.size * CREDENTIAL_BYTES)),
      otherCredentials: new Map(c.otherCredentials),
      organizationId: valueColumn(c.organizationId),
      product: valueColumn(c.product),
      tags: valueColumn(c.tags),
      firmware: valueColumn(c.firmware),
      flags: c.flags.slice(0, c.size),
      values,
    };
  }

  /** Slots of `values` in use or free to reuse: what the values take, whatever the devices' history. */
  get valueSlots(): number {
    return this.columns.values.length;
  }

  setTags(row: number, tags: readonly string[]): void {
    this.replaceValue(this.columns.tags, row, this.hold(tags));
  }

  setCredential(row: number, credentialHash: string): void {
    this.unindexCredential(row);
    writeCredential(this.columns, row, credentialHash);
    if (!(this.columns.flags[row] & RETIRED)) this.byCredential.set(credentialHash, '', row);
  }

  setFirmware(row: number, firmware: FirmwareMetadata | null): void {
    this.replaceValue(this.columns.firmware, row, firmware ? this.hold(firmware) : -1);
  }

  setQuarantined(row: number, quarantined: boolean): void {
    this.columns.flags[row] = quarantined ? this.columns.flags[row] | QUARANTINED : this.columns.flags[row] & RETIRED;
  }

  retire(row: number): void {
    this.unindexCredential(row);
    this.columns.flags[row] |= RETIRED;
  }

  clear(): void {
    this.columns = columnsWithRoomFor(0);
    this.valueIndexes = new Map();
    this.valueRows = [];
    this.freeValues = [];
    this.rows.clear();
    this.byCredential.clear();
  }

  private valueOf(index: number): unknown {
    return this.columns.values[index];
  }

  /** The index of a value equal to `value`, added (a frozen copy) if there is none, for one more row. */
  private hold(value: string | readonly string[] | FirmwareMetadata): number {
    const key = keyOf(value);
    let index = this.valueIndexes.get(key);
    if (index === undefined) {
      const kept = Object.freeze(typeof value === 'string' ? value : copyOf(value));
      index = this.freeValues.pop();
      if (index === undefined) {
        index = this.columns.values.push(kept) - 1;
        this.valueRows.push(0);
      } else this.columns.values[index] = kept;
      this.valueIndexes.set(key, index);
    }
    this.valueRows[index]++;
    return index;
  }

  /** One row fewer points at a value (-1: none); the last one leaves a hole. */
  private release(index: number): void {
    if (index < 0 || --this.valueRows[index] > 0) return;
    this.valueIndexes.delete(keyOf(this.columns.values[index]));
    this.columns.values[index] = undefined;
    this.freeValues.push(index);
  }

  /** Points a row's value column at a value already held for it, and lets go of the one it pointed at. */
  private replaceValue(column: Int32Array, row: number, index: number): void {
    const old = column[row];
    column[row] = index;
    this.release(old);
  }

  /** The values and their row counts of columns taken as they are; values no row points at become holes. */
  private countValueRows(): void {
    const c = this.columns;
    this.valueRows = new Array<number>(c.values.length).fill(0);
    for (const column of VALUE_COLUMNS)
      for (let row = 0, indexes = c[column]; row < c.size; row++) if (indexes[row] >= 0) this.valueRows[indexes[row]]++;
    this.valueIndexes = new Map();
    this.freeValues = [];
    c.values.forEach((value, i) => {
      if (this.valueRows[i] > 0) this.valueIndexes.set(keyOf(value), i);
      else {
        c.values[i] = undefined;
        this.freeValues.push(i);
      }
    });
  }

  /** Typed columns grow by half again when full (the identifiers grow by themselves). */
  private makeRoom(rows: number): void {
    const c = this.columns;
    if (rows <= c.flags.length) return;
    const room = Math.max(1024, rows + (rows >> 1));
    const grown = <T extends Int32Array | Uint8Array>(column: T, into: T): T => (into.set(column), into);
    this.columns = {
      ...c,
      credentialHash: grown(c.credentialHash, Buffer.alloc(room * CREDENTIAL_BYTES)),
      organizationId: grown(c.organizationId, new Int32Array(room)),
      product: grown(c.product, new Int32Array(room)),
      tags: grown(c.tags, new Int32Array(room)),
      firmware: grown(c.firmware, new Int32Array(room)),
      flags: grown(c.flags, new Uint8Array(room)),
    };
  }

  /** Points the indexes at a row: by organization and identifier, and by credential unless it is retired. */
  private index(row: number): void {
    const c = this.columns;
    this.rows.set(this.valueOf(c.organizationId[row]) as string, c.identifier[row], row);
    if (!(c.flags[row] & RETIRED)) this.byCredential.set(credentialOf(c, row), '', row);
  }

  private unindexCredential(row: number): void {
    this.byCredential.delete(credentialOf(this.columns, row), '', row);
  }
}

/** What a value is kept as: tags as they are, firmware as the five fields that identify it. */
function copyOf(value: readonly string[] | FirmwareMetadata): readonly string[] | FirmwareMetadata {
  if (Array.isArray(value)) return [...value];
  const { uuid, product, version, architecture, platform } = value as FirmwareMetadata;
  return { uuid, product, version, architecture, platform };
}
