import { OrganizationAggregate, OrganizationEvent, Streams } from '@flotilla/events';
import { defineProjection, Projection } from '@flotilla/projections';

/** Organizations, projects and API keys as the gateway and the services query them. */
export function tenancyProjection(schema: string, subjectPrefix: string = Streams.batch.subjectPrefix): Projection {
  return defineProjection<OrganizationEvent>({
    name: 'tenancy',
    schema,
    tables: ['organizations', 'projects', 'api_keys'],
    filterSubject: `${subjectPrefix}.${OrganizationAggregate}.>`,
    handlers: {
      OrganizationCreated: async (event, { manager, table }) => {
        const { data } = event;
        await manager.query(
          `insert into ${table('organizations')} (id, name, created_at) values ($1, $2, $3)
             on conflict (id) do nothing`,
          [data.organizationId, data.name, data.createdAt],
        );
      },
      ProjectCreated: async (event, { manager, table }) => {
        const { data } = event;
        await manager.query(
          `insert into ${table('projects')} (id, organization_id, name, created_at) values ($1, $2, $3, $4)
             on conflict (id) do nothing`,
          [data.projectId, data.organizationId, data.name, data.createdAt],
        );
      },
      ApiKeyIssued: async (event, { manager, table }) => {
        const { data } = event;
        await manager.query(
          `insert into ${table('api_keys')} (id, organization_id, token_hash, description, created_at)
             values ($1, $2, $3, $4, $5)
           on conflict (id) do nothing`,
          [data.keyId, data.organizationId, data.tokenHash, data.description, data.createdAt],
        );
      },
      ApiKeyRevoked: async (event, { manager, table }) => {
        const { data } = event;
        await manager.query(`update ${table('api_keys')} set revoked_at = $2 where id = $1 and revoked_at is null`, [
          data.keyId,
          data.revokedAt,
        ]);
      },
    },
  });
}
