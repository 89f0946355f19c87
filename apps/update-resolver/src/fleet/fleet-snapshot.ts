import { createHash } from 'node:crypto';
import { Firmware, FirmwareMetadata } from '@flotilla/contracts';
import { columnsWithRoomFor, cutColumns, DeviceColumns } from './device-table';
import type { DeploymentEntry, ProductEntry } from './fleet-view';

/**
 * The format of a fleet-view snapshot. Bump it whenever what the view keeps, how an event changes it, or how a snapshot
 * is written changes: a snapshot of another format is ignored (the view is then read from the whole log), never
 * misread. 2: a part's text columns as lines after its JSON; 3: devices without their registration time (no check
 * reads it; the read model has it).
 */
export const FLEET_SNAPSHOT_FORMAT = 3;

/** Devices per part: a part is encoded or stored between two turns of the event loop. */
const DEVICES_PER_PART = 20_000;

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
}

export type FleetCatalog = Omit<FleetContents, 'devices'>;

/**
 * Devices column by column: organizations, products, tags and firmwares as indexes into the snapshot's values, in a
 * JSON line. The text columns follow it a line per value (identifiers, then credential hashes): splitting lines is
 * much faster than parsing strings out of JSON, and most of a part is these. A part with a value that holds a line
 * break keeps its text columns in the JSON instead.
 */
interface DevicePart {
  /** Values first used in this part, appended to those of the parts before. */
  values: unknown[];
  organizationId: number[];
  product: number[];
  tags: number[];
  /** 1: quarantined, 2: retired. */
  flags: number[];
  firmware: number[];
  text?: TextColumns;
}

type TextColumns = Pick<DeviceColumns, 'identifier' | 'credentialHash'>;

/** The parts of a snapshot as JSON text, catalog first; the caller yields to the event loop between two. */
export function* encodeFleet(contents: FleetContents): Generator<string> {
  const { devices, ...catalog } = contents;
  yield JSON.stringify(catalog);
  const indexes = new Map<string, number>();
  let values: unknown[] = [];
  const index = (key: string, value: unknown): number => {
    let i = indexes.get(key);
    if (i === undefined) {
      indexes.set(key, (i = indexes.size));
      values.push(value);
    }
    return i;
  };
  const firmwareIndex = (f: FirmwareMetadata | null) =>
    f ? index(`f\0${f.uuid}\0${f.product}\0${f.version}\0${f.architecture}\0${f.platform}`, f) : -1;
  for (let start = 0; start < devices.identifier.length; start += DEVICES_PER_PART) {
    const slice = <T>(column: T[]) => column.slice(start, start + DEVICES_PER_PART);
    const quarantined = slice(devices.quarantined);
    const part: DevicePart = {
      values,
      organizationId: slice(devices.organizationId).map((o) => index(`s\0${o}`, o)),
      product: slice(devices.product).map((p) => index(`s\0${p}`, p)),
      tags: slice(devices.tags).map((t) => index(`t\0${t.join('\0')}`, t)),
      flags: slice(devices.retired).map((retired, i) => (quarantined[i] ? 1 : 0) | (retired ? 2 : 0)),
      firmware: slice(devices.firmware).map(firmwareIndex),
    };
    const text = [slice(devices.identifier), slice(devices.credentialHash)];
    if (text.some((column) => column.some((value) => value.includes('\n')))) {
      const [identifier, credentialHash] = text;
      yield JSON.stringify({ ...part, text: { identifier, credentialHash } });
    } else yield [JSON.stringify(part), ...text.flat()].join('\n');
    values = [];
  }
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
  private readonly values: unknown[] = [];
  private readonly checksum = new PartsChecksum();
  private parts = 0;
  /** Made at the first part of devices, while Postgres sends the next ones (a fifth of a second at a million). */
  private columns: DeviceColumns | null = null;
  private rows = 0;

  constructor(private readonly devices: number) {}

  /** The catalog, from the first part; null from a part of devices (they are added to `allDevices()`). */
  read(text: string): FleetCatalog | null {
    this.checksum.add(text);
    if (this.parts++ === 0) return JSON.parse(text) as FleetCatalog;
    const jsonEnd = text.indexOf('\n');
    const part = JSON.parse(jsonEnd < 0 ? text : text.slice(0, jsonEnd)) as DevicePart;
    const count = part.flags.length;
    if (this.rows + count > this.devices) throw new Error(`the snapshot holds more than its ${this.devices} devices`);
    // Values are shared by the devices that use them, so none may change one in place.
    for (const value of part.values) this.values.push(Object.freeze(value));
    const values = this.values;
    const c = (this.columns ??= columnsWithRoomFor(this.devices));
    // Identifiers, then credential hashes: the lines after the JSON, or the JSON's own columns.
    let [identifiers, hashes, hashesFrom] = [part.text?.identifier, part.text?.credentialHash, 0];
    if (!identifiers || !hashes) {
      identifiers = hashes = text.slice(jsonEnd + 1).split('\n');
      hashesFrom = count;
      if (identifiers.length !== 2 * count)
        throw new Error(`a snapshot part holds ${identifiers.length} lines for ${count} devices`);
    }
    for (let i = 0, row = this.rows; i < count; i++, row++) {
      c.identifier[row] = identifiers[i];
      c.credentialHash[row] = hashes[hashesFrom + i];
      c.organizationId[row] = values[part.organizationId[i]] as string;
      c.product[row] = values[part.product[i]] as string;
      c.tags[row] = values[part.tags[i]] as string[];
      c.quarantined[row] = (part.flags[i] & 1) !== 0;
      c.retired[row] = (part.flags[i] & 2) !== 0;
      c.firmware[row] = part.firmware[i] < 0 ? null : (values[part.firmware[i]] as FirmwareMetadata);
    }
    this.rows += count;
    return null;
  }

  /** The devices of every part read, once all were. */
  allDevices(): DeviceColumns {
    if (this.rows !== this.devices) throw new Error(`the snapshot holds ${this.rows} of its ${this.devices} devices`);
    return cutColumns(this.columns ?? columnsWithRoomFor(0), this.rows);
  }

  digest(): string {
    return this.checksum.digest();
  }
}
