import { FirmwareMetadata, UpdateEvent } from '@flotilla/events';
import { RecordedEvent } from '@flotilla/event-store';
import { changesetOf, jsonOrNull, ProjectionContext } from '@flotilla/projections';

type DataOf<T extends UpdateEvent['type']> = Extract<UpdateEvent, { type: T }>['data'];

interface DeviceChange {
  organizationId: string;
  identifier: string;
  /** (Re-)registered in this batch: the row is written whole, from a fresh start. */
  registered?: { product: string; tags: string[]; at: string };
  tags?: string[];
  firmwareMetadata?: FirmwareMetadata;
  attemptsAdded: number;
  quarantined?: boolean;
  retired?: boolean;
  updatedAt: string;
}

/**
 * What a batch of commits changes in the devices table, gathered per device: a fleet's registrations and its
 * devices' checks become two statements per transaction, not one per event.
 */
type DeviceChanges = Map<string, DeviceChange>;

function changeOf(changes: DeviceChanges, event: RecordedEvent): DeviceChange {
  const { organizationId, deviceId } = event.data as { organizationId: string; deviceId: string };
  const key = `${organizationId}/${deviceId}`;
  let change = changes.get(key);
  if (!change) changes.set(key, (change = { organizationId, identifier: deviceId, attemptsAdded: 0, updatedAt: event.time }));
  change.updatedAt = event.time;
  return change;
}

const recorders: Record<string, (event: RecordedEvent, changes: DeviceChanges) => void> = {
  DeviceRegistered: (event, changes) => {
    const { organizationId, deviceId, product, tags, registeredAt } = event.data as DataOf<'DeviceRegistered'>;
    changes.set(`${organizationId}/${deviceId}`, { organizationId, identifier: deviceId, registered: { product, tags, at: registeredAt }, attemptsAdded: 0, updatedAt: registeredAt });
  },
  DeviceTagsChanged: (event, changes) => {
    changeOf(changes, event).tags = (event.data as DataOf<'DeviceTagsChanged'>).tags;
  },
  DeviceFirmwareChanged: (event, changes) => {
    changeOf(changes, event).firmwareMetadata = (event.data as DataOf<'DeviceFirmwareChanged'>).to;
  },
  UpdateRequested: (event, changes) => {
    changeOf(changes, event).attemptsAdded += 1;
  },
  DeviceQuarantined: (event, changes) => {
    changeOf(changes, event).quarantined = true;
  },
  DeviceUnquarantined: (event, changes) => {
    changeOf(changes, event).quarantined = false;
  },
  DeviceRetired: (event, changes) => {
    changeOf(changes, event).retired = true;
  },
};

type Registered = DeviceChange & { registered: NonNullable<DeviceChange['registered']> };
const isRegistered = (change: DeviceChange): change is Registered => change.registered !== undefined;

async function writeRegistered({ manager, table }: ProjectionContext, rows: Registered[]): Promise<void> {
  if (!rows.length) return;
  const column = <T>(pick: (c: Registered) => T) => rows.map(pick);
  await manager.query(
    `insert into ${table('devices')} (organization_id, identifier, product, tags, quarantined, firmware_metadata, retired, attempts, created_at, updated_at)
     select * from unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::boolean[], $6::jsonb[], $7::boolean[], $8::int[], $9::timestamptz[], $10::timestamptz[])
     on conflict (organization_id, identifier) do update set product = excluded.product, tags = excluded.tags, quarantined = excluded.quarantined,
       firmware_metadata = excluded.firmware_metadata, retired = excluded.retired, attempts = excluded.attempts, created_at = excluded.created_at,
       updated_at = excluded.updated_at`,
    [
      column((c) => c.organizationId), column((c) => c.identifier), column((c) => c.registered.product), column((c) => JSON.stringify(c.tags ?? c.registered.tags)),
      column((c) => c.quarantined ?? false), column((c) => jsonOrNull(c.firmwareMetadata)), column((c) => c.retired ?? false), column((c) => c.attemptsAdded),
      column((c) => c.registered.at), column((c) => c.updatedAt),
    ],
  );
}

async function writeUpdated({ manager, table }: ProjectionContext, rows: DeviceChange[]): Promise<void> {
  if (!rows.length) return;
  await manager.query(
    `update ${table('devices')} d set tags = coalesce(u.tags, d.tags), firmware_metadata = coalesce(u.firmware_metadata, d.firmware_metadata),
       attempts = d.attempts + u.attempts_added, quarantined = coalesce(u.quarantined, d.quarantined), retired = coalesce(u.retired, d.retired), updated_at = u.updated_at
     from unnest($1::uuid[], $2::text[], $3::jsonb[], $4::jsonb[], $5::int[], $6::boolean[], $7::boolean[], $8::timestamptz[])
       as u(organization_id, identifier, tags, firmware_metadata, attempts_added, quarantined, retired, updated_at)
     where d.organization_id = u.organization_id and d.identifier = u.identifier`,
    [
      rows.map((c) => c.organizationId), rows.map((c) => c.identifier), rows.map((c) => jsonOrNull(c.tags)), rows.map((c) => jsonOrNull(c.firmwareMetadata)),
      rows.map((c) => c.attemptsAdded), rows.map((c) => c.quarantined ?? null), rows.map((c) => c.retired ?? null), rows.map((c) => c.updatedAt),
    ],
  );
}

/** The update read model's devices, written set-based (see DeviceChanges). */
export const deviceChangeset = changesetOf<DeviceChanges>(
  () => new Map(),
  recorders,
  async (changes, context) => {
    const all = [...changes.values()];
    await writeRegistered(context, all.filter(isRegistered));
    await writeUpdated(context, all.filter((c) => !isRegistered(c)));
  },
);
