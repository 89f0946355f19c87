import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { Firmware } from '@flotilla/contracts';
import type { DeviceAttempts } from '@flotilla/update-domain';
import { CheckingColumns, checkingWithRoomFor } from './device-checking';
import { columnsWithRoomFor, CREDENTIAL_BYTES, DeviceColumns, VALUE_COLUMNS } from './device-table';
import type { DeploymentEntry, ProductEntry } from './fleet-view';

/**
 * The format of a fleet-view snapshot. Bump it whenever what the view keeps, how an event changes it, or how a snapshot
 * is written changes: a snapshot of another format is ignored (the view is then read from the whole log), never
 * misread. 2: a part's text columns as lines after its JSON; 3: devices without their registration time (no check
 * reads it; the read model has it); 5: the columns of values and the credential hashes as bytes; 6: what a check
 * decides on beside them (each device's last commit, cut-off and attempts); 7: attempt times in chunks.
 */
export const FLEET_SNAPSHOT_FORMAT = 7;

/**
 * Devices per part (about 400 KB of text): a part is encoded or stored between two turns of the event loop, and
 * node-postgres reads rows of this size a third faster than rows of 1.5 MB (it copies a row's bytes as they arrive).
 */
const DEVICES_PER_PART = 5_000;
/**
 * Bytes per device of a part's typed columns: its last commit and cut-off (64-bit floats, first, where they are
 * aligned), four 32-bit indexes into the values, the flags, the credential hash.
 */
const FLOAT_BYTES = 2 * 8;
const INDEX_BYTES = 4 * VALUE_COLUMNS.length;
const BYTES_PER_DEVICE = FLOAT_BYTES + INDEX_BYTES + 1 + CREDENTIAL_BYTES;
/** A snapshot's bytes are little-endian whatever the machine. */
const BIG_ENDIAN = endianness() === 'BE';

/** The view's contents at one position of one stream (copied, so the view goes on while they are written down). */
export interface FleetContents {
  streamSeq: number;
  streamCreated: string;
  /** Commits up to `streamSeq` the view passed over as parked: an operator's later retry must still reach it. */
  skipped: number[];
  products: ProductEntry[];
  firmwares: (Firmware & { createdAt: string })[];
  deployments: (Omit<DeploymentEntry, 'attempts'> & { attempts: [string, number][] })[];
  devices: DeviceColumns;
  /** Sized as the devices. */
  checking: CheckingColumns;
}

export type FleetCatalog = Omit<FleetContents, 'devices' | 'checking'>;

/**
 * A part of devices is a JSON line, then a line of base64 holding its typed columns as bytes (the last commits, the
 * cut-offs, each value column's indexes, the flags, the credential hashes), then its identifiers a line each:
 * decoding base64 and splitting lines is much faster than parsing numbers and strings out of JSON. A part with an
 * identifier that holds a line break keeps its identifiers in the JSON instead.
 */
interface DevicePart {
  /** Values added to those of the parts before (the first part of devices brings them all). */
  values: unknown[];
  count: number;
  /** Credential hashes that are not SHA-256s in hex, by row in the part. */
  otherCredentials?: [number, string][];
  /** Attempts since the cut-off, by row in the part, of the devices that have some. */
  attempts?: [number, DeviceAttempts['attempts']][];
  identifier?: string[];
}

/** A part's bytes column by column (a buffer of its own: the floats are aligned). */
function bytesLayout(bytes: Buffer, count: number) {
  const indexesAt = FLOAT_BYTES * count;
  const flagsAt = (FLOAT_BYTES + INDEX_BYTES) * count;
  return {
    versions: new Float64Array(bytes.buffer, bytes.byteOffset, count),
    cutoffs: new Float64Array(bytes.buffer, bytes.byteOffset + 8 * count, count),
    indexes: (column: number) => new Int32Array(bytes.buffer, bytes.byteOffset + indexesAt + column * 4 * count, count),
    flags: bytes.subarray(flagsAt, flagsAt + count),
    credentials: bytes.subarray(flagsAt + count),
    /** Turns the numbers from the machine's byte order to the snapshot's (little-endian), or back. */
    swap: () => {
      if (!BIG_ENDIAN) return;
      bytes.subarray(0, indexesAt).swap64();
      bytes.subarray(indexesAt, flagsAt).swap32();
    },
  };
}

/** The parts of a snapshot as JSON text, catalog first; the caller yields to the event loop between two. */
export function* encodeFleet(contents: FleetContents): Generator<string> {
  const { devices, checking, ...catalog } = contents;
  yield JSON.stringify(catalog);
  // Credential hashes that are not SHA-256s, and attempts, by part, in one pass rather than one per part.
  const othersByPart = byPart(devices.otherCredentials);
  const attemptsByPart = byPart(checking.attempts);
  for (let start = 0; start < devices.size; start += DEVICES_PER_PART) {
    const end = Math.min(start + DEVICES_PER_PART, devices.size);
    const count = end - start;
    const part: DevicePart = { values: start === 0 ? devices.values : [], count };
    const others = othersByPart.get(start);
    if (others) part.otherCredentials = others;
    const attempts = attemptsByPart.get(start);
    if (attempts) part.attempts = attempts;
    const bytes = Buffer.alloc(count * BYTES_PER_DEVICE);
    const layout = bytesLayout(bytes, count);
    layout.versions.set(checking.versions.subarray(start, end));
    layout.cutoffs.set(checking.cutoffs.subarray(start, end));
    VALUE_COLUMNS.forEach((column, i) => layout.indexes(i).set(devices[column].subarray(start, end)));
    layout.swap();
    layout.flags.set(devices.flags.subarray(start, end));
    layout.credentials.set(devices.credentialHash.subarray(start * CREDENTIAL_BYTES, end * CREDENTIAL_BYTES));
    const identifiers = devices.identifier.slice(start, end);
    if (identifiers.some((identifier) => identifier.includes('\n')))
      yield [JSON.stringify({ ...part, identifier: identifiers }), bytes.toString('base64')].join('\n');
    else yield [JSON.stringify(part), bytes.toString('base64'), ...identifiers].join('\n');
  }
}

/** Entries by row, grouped by the part their row is in, with rows counted from the part's first. */
function byPart<T>(entries: Map<number, T>): Map<number, [number, T][]> {
  const parts = new Map<number, [number, T][]>();
  for (const [row, value] of entries) {
    const start = row - (row % DEVICES_PER_PART);
    const part = parts.get(start) ?? [];
    part.push([row - start, value]);
    parts.set(start, part);
  }
  return parts;
}

/** The checksum of a snapshot's parts, fed one part at a time as they are written or read. */
export class PartsChecksum {
  private readonly hash = createHash('sha256');

  add(part: string): string {
    this.hash.update(part);
    return part;
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Reads a snapshot's parts in order: the catalog, then devices written straight into columns made once for as many as
 * its header says it holds. `digest()` is what the snapshot's checksum must be.
 */
export class FleetSnapshotReader {
  private readonly checksum = new PartsChecksum();
  private parts = 0;
  /** Made at the first part of devices, while Postgres sends the next ones. */
  private columns: DeviceColumns | null = null;
  private checking: CheckingColumns | null = null;

  constructor(private readonly devices: number) {}

  /** The catalog, from the first part; null from a part of devices (they are added to `allDevices()`). */
  read(text: string): FleetCatalog | null {
    this.checksum.add(text);
    if (this.parts++ === 0) return JSON.parse(text) as FleetCatalog;
    const jsonEnd = text.indexOf('\n');
    const bytesEnd = text.indexOf('\n', jsonEnd + 1);
    const part = JSON.parse(text.slice(0, jsonEnd)) as DevicePart;
    const { count } = part;
    const c = (this.columns ??= columnsWithRoomFor(this.devices));
    const checking = (this.checking ??= checkingWithRoomFor(this.devices));
    const rows = c.size;
    if (rows + count > this.devices) throw new Error(`the snapshot holds more than its ${this.devices} devices`);
    // Values are shared by the devices that use them, so none may change one in place.
    for (const value of part.values) c.values.push(Object.freeze(value));
    const bytes = Buffer.alloc(count * BYTES_PER_DEVICE);
    const written = bytes.write(text.slice(jsonEnd + 1, bytesEnd < 0 ? undefined : bytesEnd), 'base64');
    if (written !== bytes.length) throw new Error(`a snapshot part holds ${written} bytes for ${count} devices`);
    const layout = bytesLayout(bytes, count);
    layout.swap();
    checking.versions.set(layout.versions, rows);
    checking.cutoffs.set(layout.cutoffs, rows);
    VALUE_COLUMNS.forEach((column, i) => {
      const indexes = layout.indexes(i);
      const least = column === 'firmware' ? -1 : 0;
      for (let row = 0; row < count; row++)
        if (indexes[row] < least || indexes[row] >= c.values.length)
          throw new Error(`a snapshot part names value ${indexes[row]}`);
      c[column].set(indexes, rows);
    });
    c.flags.set(layout.flags, rows);
    c.credentialHash.set(layout.credentials, rows * CREDENTIAL_BYTES);
    for (const [row, hash] of part.otherCredentials ?? []) c.otherCredentials.set(rows + partRow(row, count), hash);
    for (const [row, attempts] of part.attempts ?? []) checking.attempts.set(rows + partRow(row, count), attempts);
    // Identifiers: the lines after the bytes, or the JSON's own.
    const identifiers = part.identifier ?? (bytesEnd < 0 ? [] : text.slice(bytesEnd + 1).split('\n'));
    if (identifiers.length !== count)
      throw new Error(`a snapshot part holds ${identifiers.length} identifiers for ${count} devices`);
    for (let i = 0, row = rows; i < count; i++, row++) c.identifier[row] = identifiers[i];
    c.size += count;
    return null;
  }

  /** The devices of every part read, and what checks decide on beside, once all were. */
  allDevices(): { devices: DeviceColumns; checking: CheckingColumns } {
    const devices = this.columns ?? columnsWithRoomFor(0);
    if (devices.size !== this.devices)
      throw new Error(`the snapshot holds ${devices.size} of its ${this.devices} devices`);
    return { devices, checking: this.checking ?? checkingWithRoomFor(0) };
  }

  digest(): string {
    return this.checksum.digest();
  }
}

/** A row a part names, checked to be one of its `count`. */
function partRow(row: number, count: number): number {
  if (!(Number.isInteger(row) && row >= 0 && row < count))
    throw new Error(`a snapshot part names device ${row} of ${count}`);
  return row;
}
