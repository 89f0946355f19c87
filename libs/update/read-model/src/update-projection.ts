import {
  DeploymentEvent,
  DeploymentQuarantined,
  DeploymentUpdated,
  DeviceEvent,
  FirmwareMetadata,
  UpdateEvent,
} from '@flotilla/events';
import { RecordedEvent } from '@flotilla/event-store';
import {
  ChangeRecorders,
  changesetOf,
  defineProjection,
  jsonOrNull,
  Projection,
  ProjectionContext,
  SqlStatement,
} from '@flotilla/projections';

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
 * devices' checks become one statement per batch, not one per event.
 */
type DeviceChanges = Map<string, DeviceChange>;

function changeOf(changes: DeviceChanges, event: RecordedEvent<DeviceEvent>): DeviceChange {
  const { organizationId, identifier } = event.data;
  const key = `${organizationId}/${identifier}`;
  let change = changes.get(key);
  if (!change) changes.set(key, (change = { organizationId, identifier, attemptsAdded: 0, updatedAt: event.time }));
  change.updatedAt = event.time;
  return change;
}

const recorders: ChangeRecorders<DeviceEvent, DeviceChanges> = {
  DeviceRegistered: (event, changes) => {
    const { organizationId, identifier, product, tags, registeredAt } = event.data;
    changes.set(`${organizationId}/${identifier}`, {
      organizationId,
      identifier,
      registered: { product, tags, at: registeredAt },
      attemptsAdded: 0,
      updatedAt: registeredAt,
    });
  },
  DeviceTagsChanged: (event, changes) => {
    changeOf(changes, event).tags = event.data.tags;
  },
  DeviceFirmwareChanged: (event, changes) => {
    changeOf(changes, event).firmwareMetadata = event.data.to;
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

function registeredStatement(table: ProjectionContext['table'], rows: Registered[]): SqlStatement {
  const column = <T>(pick: (c: Registered) => T) => rows.map(pick);
  return {
    text: `insert into ${table('devices')} (organization_id, identifier, product, tags, quarantined, firmware_metadata,
       retired, attempts, created_at, updated_at)
     select * from unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::boolean[], $6::jsonb[], $7::boolean[],
       $8::int[], $9::timestamptz[], $10::timestamptz[])
     on conflict (organization_id, identifier) do update
       set product = excluded.product, tags = excluded.tags, quarantined = excluded.quarantined,
       firmware_metadata = excluded.firmware_metadata, retired = excluded.retired, attempts = excluded.attempts,
         created_at = excluded.created_at,
       updated_at = excluded.updated_at`,
    values: [
      column((c) => c.organizationId),
      column((c) => c.identifier),
      column((c) => c.registered.product),
      column((c) => JSON.stringify(c.tags ?? c.registered.tags)),
      column((c) => c.quarantined ?? false),
      column((c) => jsonOrNull(c.firmwareMetadata)),
      column((c) => c.retired ?? false),
      column((c) => c.attemptsAdded),
      column((c) => c.registered.at),
      column((c) => c.updatedAt),
    ],
  };
}

function updatedStatement(table: ProjectionContext['table'], rows: DeviceChange[]): SqlStatement {
  return {
    text: `update ${table('devices')} d set tags = coalesce(u.tags, d.tags), firmware_metadata =
       coalesce(u.firmware_metadata, d.firmware_metadata),
       attempts = d.attempts + u.attempts_added, quarantined = coalesce(u.quarantined, d.quarantined), retired =
         coalesce(u.retired, d.retired), updated_at = u.updated_at
     from unnest($1::uuid[], $2::text[], $3::jsonb[], $4::jsonb[], $5::int[], $6::boolean[], $7::boolean[],
       $8::timestamptz[])
       as u(organization_id, identifier, tags, firmware_metadata, attempts_added, quarantined, retired, updated_at)
     where d.organization_id = u.organization_id and d.identifier = u.identifier`,
    values: [
      rows.map((c) => c.organizationId),
      rows.map((c) => c.identifier),
      rows.map((c) => jsonOrNull(c.tags)),
      rows.map((c) => jsonOrNull(c.firmwareMetadata)),
      rows.map((c) => c.attemptsAdded),
      rows.map((c) => c.quarantined ?? null),
      rows.map((c) => c.retired ?? null),
      rows.map((c) => c.updatedAt),
    ],
  };
}

/** The update read model's devices, written set-based (see DeviceChanges). */
const deviceChangeset = changesetOf<DeviceEvent, DeviceChanges>(
  () => new Map(),
  recorders,
  (changes, table) => {
    // A device is in one statement or the other: the two run as one and may not touch the same row.
    const all = [...changes.values()];
    const registered = all.filter(isRegistered);
    const updated = all.filter((c) => !isRegistered(c));
    return [
      ...(registered.length ? [registeredStatement(table, registered)] : []),
      ...(updated.length ? [updatedStatement(table, updated)] : []),
    ];
  },
);

/** A handler that sets `fields` ($3 on) of the event's deployment to `values`. */
function setDeployment<E extends DeploymentEvent>(fields: string, values: (event: RecordedEvent<E>) => unknown[]) {
  return async (event: RecordedEvent<E>, { manager, table }: ProjectionContext) => {
    await manager.query(`update ${table('deployments')} set ${fields}, updated_at = $2 where id = $1`, [
      event.data.deploymentId,
      event.time,
      ...values(event),
    ]);
  };
}

/** Products, firmwares, deployments and devices as the admin API lists them; devices through the device changeset. */
export function updateProjection(schema: string): Projection {
  return defineProjection<UpdateEvent>({
    name: 'update',
    schema,
    tables: ['products', 'firmwares', 'deployments', 'devices'],
    handlers: {
      ProductCreated: async (event, { manager, table }) => {
        const p = event.data;
        await manager.query(
          `insert into ${table('products')} (organization_id, name, created_at) values ($1, $2, $3)
             on conflict do nothing`,
          [p.organizationId, p.name, p.createdAt],
        );
      },
      FirmwareCreated: async (event, { manager, table }) => {
        const f = event.data;
        await manager.query(
          `insert into ${table('firmwares')} (uuid, organization_id, product, version, architecture, platform,
             artifact_url, author, description, vcs_identifier, misc, created_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) on conflict do nothing`,
          [
            f.uuid,
            f.organizationId,
            f.product,
            f.version,
            f.architecture,
            f.platform,
            f.artifactUrl,
            f.author,
            f.description,
            f.vcsIdentifier,
            f.misc,
            f.createdAt,
          ],
        );
      },
      DeploymentCreated: async (event, { manager, table }) => {
        const d = event.data;
        await manager.query(
          `insert into ${table('deployments')} (id, organization_id, product, name, firmware_uuid, conditions,
             is_active, rules, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
           on conflict (id) do update set firmware_uuid = excluded.firmware_uuid, conditions = excluded.conditions,
             is_active = excluded.is_active,
             rules = excluded.rules, quarantined = false, quarantine_reason = null, created_at = excluded.created_at,
               updated_at = excluded.updated_at`,
          [
            d.deploymentId,
            d.organizationId,
            d.product,
            d.name,
            d.firmwareUuid,
            JSON.stringify(d.conditions),
            d.isActive,
            JSON.stringify(d.rules),
            d.createdAt,
          ],
        );
      },
      DeploymentUpdated: setDeployment(
        'firmware_uuid = $3, conditions = $4, is_active = $5, rules = $6',
        (e: RecordedEvent<DeploymentUpdated>) => {
          const d = e.data;
          return [d.firmwareUuid, JSON.stringify(d.conditions), d.isActive, JSON.stringify(d.rules)];
        },
      ),
      DeploymentDeleted: async (event, { manager, table }) => {
        await manager.query(`delete from ${table('deployments')} where id = $1`, [event.data.deploymentId]);
      },
      DeploymentQuarantined: setDeployment(
        'quarantined = true, quarantine_reason = $3',
        (e: RecordedEvent<DeploymentQuarantined>) => [e.data.reason],
      ),
      DeploymentUnquarantined: setDeployment('quarantined = false, quarantine_reason = null', () => []),
    },
    changeset: deviceChangeset,
  });
}
