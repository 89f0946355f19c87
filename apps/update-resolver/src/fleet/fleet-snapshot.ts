import { createHash, Hash } from 'node:crypto';
import { Firmware, FirmwareMetadata } from '@flotilla/contracts';
import type { DeploymentEntry, DeviceEntry, ProductEntry } from './fleet-view';

/**
 * The format of a fleet-view snapshot. Bump it whenever what the view keeps, or how an event changes it, changes: a
 * snapshot of another format is ignored (the view is then read from the whole log), never misread.
 */
export const FLEET_SNAPSHOT_FORMAT = 1;

/** Devices per part: a part is encoded between two turns of the event loop, so checks go on being answered. */
const DEVICES_PER_PART = 20_000;

/** The view's contents at one position of one stream, held still while they are written down. */
export interface FleetContents {
  streamSeq: number;
  streamCreated: string;
  /** Commits up to `streamSeq` the view passed over as parked: an operator's later retry must still reach it. */
  skipped: number[];
  products: ProductEntry[];
  firmwares: (Firmware & { createdAt: string })[];
  deployments: (Omit<DeploymentEntry, 'attempts'> & { attempts: [string, number][] })[];
  devices: DeviceEntry[];
}

type Catalog = Omit<FleetContents, 'devices'>;

/** Devices column by column; organizations, products, tags and firmwares as indexes into the snapshot's values. */
interface DevicePart {
  /** Values first used in this part, appended to those of the parts before. */
  values: unknown[];
  identifier: string[];
  organizationId: number[];
  product: number[];
  tags: number[];
  credentialHash: string[];
  /** 1: quarantined, 2: retired. */
  flags: number[];
  firmware: number[];
  registeredAt: string[];
}

/** A part read back: the catalog (first part) or a slice of devices. */
export type FleetPart = { catalog: Catalog } | { devices: DeviceEntry[] };

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
  for (let start = 0; start < devices.length; start += DEVICES_PER_PART) {
    const slice = devices.slice(start, start + DEVICES_PER_PART);
    const firmwareIndex = (f: FirmwareMetadata | null) =>
      f ? index(`f\0${f.uuid}\0${f.product}\0${f.version}\0${f.architecture}\0${f.platform}`, f) : -1;
    const part: DevicePart = {
      values,
      identifier: slice.map((d) => d.identifier),
      organizationId: slice.map((d) => index(`s\0${d.organizationId}`, d.organizationId)),
      product: slice.map((d) => index(`s\0${d.product}`, d.product)),
      tags: slice.map((d) => index(`t\0${d.tags.join('\0')}`, d.tags)),
      credentialHash: slice.map((d) => d.credentialHash),
      flags: slice.map((d) => (d.quarantined ? 1 : 0) | (d.retired ? 2 : 0)),
      firmware: slice.map((d) => firmwareIndex(d.firmware)),
      registeredAt: slice.map((d) => d.registeredAt),
    };
    yield JSON.stringify(part);
    values = [];
  }
}

/** Reads a snapshot's parts in order; `digest()` is what the snapshot's checksum must be. */
export class FleetSnapshotReader {
  private readonly values: unknown[] = [];
  private readonly hash: Hash = createHash('sha256');
  private parts = 0;

  read(text: string): FleetPart {
    this.hash.update(text);
    const parsed = JSON.parse(text);
    if (this.parts++ === 0) return { catalog: parsed as Catalog };
    const part = parsed as DevicePart;
    // Values are shared by the devices that use them, so none may change one in place.
    for (const value of part.values) this.values.push(Object.freeze(value));
    const devices: DeviceEntry[] = new Array(part.identifier.length);
    for (let i = 0; i < devices.length; i++)
      devices[i] = {
        identifier: part.identifier[i],
        organizationId: this.values[part.organizationId[i]] as string,
        product: this.values[part.product[i]] as string,
        tags: this.values[part.tags[i]] as string[],
        credentialHash: part.credentialHash[i],
        quarantined: (part.flags[i] & 1) !== 0,
        retired: (part.flags[i] & 2) !== 0,
        firmware: part.firmware[i] < 0 ? null : (this.values[part.firmware[i]] as FirmwareMetadata),
        registeredAt: part.registeredAt[i],
      };
    return { devices };
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/** The checksum of a snapshot's parts, as `FleetSnapshotReader.digest()` computes it on reading. */
export function digestOf(parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}
