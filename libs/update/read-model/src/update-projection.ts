import { UpdateEvent } from '@flotilla/events';
import { Projection, ProjectionContext } from '@flotilla/projections';
import { RecordedEvent } from '@flotilla/event-store';
import { deviceChangeset } from './device-changeset';

type DataOf<T extends UpdateEvent['type']> = Extract<UpdateEvent, { type: T }>['data'];
const data = <T extends UpdateEvent['type']>(event: RecordedEvent) => event.data as DataOf<T>;

function setDeployment(fields: string, values: (event: RecordedEvent) => unknown[]) {
  return async (event: RecordedEvent, { manager, table }: ProjectionContext) => {
    await manager.query(`update ${table('deployments')} set ${fields}, updated_at = $2 where id = $1`, [(event.data as { deploymentId: string }).deploymentId, event.time, ...values(event)]);
  };
}

/** Products, firmwares, deployments and devices as the admin API lists them; devices through the device changeset. */
export function updateProjection(schema: string): Projection {
  return {
    name: 'update',
    schema,
    tables: ['products', 'firmwares', 'deployments', 'devices'],
    handlers: {
      ProductCreated: async (event, { manager, table }) => {
        const p = data<'ProductCreated'>(event);
        await manager.query(`insert into ${table('products')} (organization_id, name, created_at) values ($1, $2, $3) on conflict do nothing`, [p.organizationId, p.name, p.createdAt]);
      },
      FirmwareCreated: async (event, { manager, table }) => {
        const f = data<'FirmwareCreated'>(event);
        await manager.query(
          `insert into ${table('firmwares')} (uuid, organization_id, product, version, architecture, platform, artifact_url, author, description, vcs_identifier, misc, created_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) on conflict do nothing`,
          [f.uuid, f.organizationId, f.product, f.version, f.architecture, f.platform, f.artifactUrl, f.author, f.description, f.vcsIdentifier, f.misc, f.createdAt],
        );
      },
      DeploymentCreated: async (event, { manager, table }) => {
        const d = data<'DeploymentCreated'>(event);
        await manager.query(
          `insert into ${table('deployments')} (id, organization_id, product, name, firmware_uuid, conditions, is_active, rules, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
           on conflict (id) do update set firmware_uuid = excluded.firmware_uuid, conditions = excluded.conditions, is_active = excluded.is_active,
             rules = excluded.rules, quarantined = false, quarantine_reason = null, created_at = excluded.created_at, updated_at = excluded.updated_at`,
          [d.deploymentId, d.organizationId, d.product, d.name, d.firmwareUuid, JSON.stringify(d.conditions), d.isActive, JSON.stringify(d.rules), d.createdAt],
        );
      },
      DeploymentUpdated: setDeployment('firmware_uuid = $3, conditions = $4, is_active = $5, rules = $6', (e) => {
        const d = data<'DeploymentUpdated'>(e);
        return [d.firmwareUuid, JSON.stringify(d.conditions), d.isActive, JSON.stringify(d.rules)];
      }),
      DeploymentDeleted: async (event, { manager, table }) => {
        await manager.query(`delete from ${table('deployments')} where id = $1`, [data<'DeploymentDeleted'>(event).deploymentId]);
      },
      DeploymentQuarantined: setDeployment('quarantined = true, quarantine_reason = $3', (e) => [data<'DeploymentQuarantined'>(e).reason]),
      DeploymentUnquarantined: setDeployment('quarantined = false, quarantine_reason = null', () => []),
    },
    changeset: deviceChangeset,
  };
}
