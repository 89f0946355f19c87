import { createHash } from 'node:crypto';
import { Firmware, FirmwareMetadata } from '@flotilla/contracts';
import { DeviceColumns } from './device-table';
import type { DeploymentEntry, ProductEntry } from './fleet-view';

/**
 * The format of a fleet-view snapshot. Bump it whenever what the view keeps, or how an event changes it, changes: a
 * snapshot of another format is ignored (the view is then read from the whole log), never misread.
 */
export const FLEET_SNAPSHOT_FORMAT = 1;

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
 * Devices column by column; organizations, products, tags and firmwares as indexes into the snapshot's values, text
 * columns as their lines (splitting them is much faster than parsing an array of strings) unless a value holds a
 * line break.
 */
interface DevicePart {
  /** Values first used in this part, appended to those of the parts before. */
  values: unknown[];
  identifier: TextColumn;
  organizationId: number[];
  product: number[];
  tags: number[];
  credentialHash: TextColumn;
  /** 1: quarantined, 2: retired. */
  flags: number[];
  firmware: number[];
  registeredAt: TextColumn;
}

type TextColumn = string | string[];
const textColumn = (values: string[]): TextColumn =>
  values.some((v) => v.includes('\n')) ? values : values.join('\n');
const textValues = (column: TextColumn): string[] => (typeof column === 'string' ? column.split('\n') : column);

/** A part read back: the catalog (first part) or a slice of devices. */
export type FleetPart = { catalog: FleetCatalog } | { devices: DeviceColumns };

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
      identifier: textColumn(slice(devices.identifier)),
      organizationId: slice(devices.organizationId).map((o) => index(`s\0${o}`, o)),
      product: slice(devices.product).map((p) => index(`s\0${p}`, p)),
      tags: slice(devices.tags).map((t) => index(`t\0${t.join('\0')}`, t)),
      credentialHash: textColumn(slice(devices.credentialHash)),
      flags: slice(devices.retired).map((retired, i) => (quarantined[i] ? 1 : 0) | (retired ? 2 : 0)),
      firmware: slice(devices.firmware).map(firmwareIndex),
      registeredAt: textColumn(slice(devices.registeredAt)),
    };
    yield JSON.stringify(part);
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

/** Reads a snapshot's parts in order; `digest()` is what the snapshot's checksum must be. */
export class FleetSnapshotReader {
  private readonly values: unknown[] = [];
  private readonly checksum = new PartsChecksum();
  private parts = 0;

  read(text: string): FleetPart {
    this.checksum.add(text);
    const parsed = JSON.parse(text);
    if (this.parts++ === 0) return { catalog: parsed as FleetCatalog };
    const part = parsed as DevicePart;
    // Values are shared by the devices that use them, so none may change one in place.
    for (const value of part.values) this.values.push(Object.freeze(value));
    const value = <T>(i: number) => this.values[i] as T;
    return {
      devices: {
        identifier: textValues(part.identifier),
        organizationId: part.organizationId.map(value<string>),
        product: part.product.map(value<string>),
        tags: part.tags.map(value<string[]>),
        credentialHash: textValues(part.credentialHash),
        quarantined: part.flags.map((flags) => (flags & 1) !== 0),
        retired: part.flags.map((flags) => (flags & 2) !== 0),
        firmware: part.firmware.map((i) => (i < 0 ? null : value<FirmwareMetadata>(i))),
        registeredAt: textValues(part.registeredAt),
      },
    };
  }

  digest(): string {
    return this.checksum.digest();
  }
}
