import { createHash } from 'node:crypto';
import { Firmware, FirmwareMetadata } from '@flotilla/contracts';
import { DeviceColumns } from './device-table';
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

/** The text columns of `devices` devices, from the lines after a part's JSON. */
function textLines(lines: string, devices: number): TextColumns {
  const values = lines.split('\n');
  if (values.length !== 2 * devices)
    throw new Error(`a snapshot part holds ${values.length} lines for ${devices} devices`);
  return {
    identifier: values.slice(0, devices),
    credentialHash: values.slice(devices),
  };
}

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

/** Reads a snapshot's parts in order; `digest()` is what the snapshot's checksum must be. */
export class FleetSnapshotReader {
  private readonly values: unknown[] = [];
  private readonly checksum = new PartsChecksum();
  private parts = 0;

  read(text: string): FleetPart {
    this.checksum.add(text);
    if (this.parts++ === 0) return { catalog: JSON.parse(text) as FleetCatalog };
    const jsonEnd = text.indexOf('\n');
    const part = JSON.parse(jsonEnd < 0 ? text : text.slice(0, jsonEnd)) as DevicePart;
    const { identifier, credentialHash } = part.text ?? textLines(text.slice(jsonEnd + 1), part.flags.length);
    // Values are shared by the devices that use them, so none may change one in place.
    for (const value of part.values) this.values.push(Object.freeze(value));
    const value = <T>(i: number) => this.values[i] as T;
    return {
      devices: {
        identifier,
        organizationId: part.organizationId.map(value<string>),
        product: part.product.map(value<string>),
        tags: part.tags.map(value<string[]>),
        credentialHash,
        quarantined: part.flags.map((flags) => (flags & 1) !== 0),
        retired: part.flags.map((flags) => (flags & 2) !== 0),
        firmware: part.firmware.map((i) => (i < 0 ? null : value<FirmwareMetadata>(i))),
      },
    };
  }

  digest(): string {
    return this.checksum.digest();
  }
}
