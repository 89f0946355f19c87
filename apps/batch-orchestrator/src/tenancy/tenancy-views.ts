import { ApiKeyView, OrganizationView, ProjectView } from '@flotilla/contracts';
import { OrganizationCreated, ProjectCreated } from '@flotilla/events';
import { ApiKeyRow, OrganizationRow, ProjectRow } from '@flotilla/tenancy-read-model';

export const organizationView = (row: Pick<OrganizationRow, 'id' | 'name' | 'createdAt'>): OrganizationView => ({
  id: row.id,
  name: row.name,
  created_at: row.createdAt.toISOString(),
  href: `/organizations/${row.id}`,
});

export const projectView = (row: Pick<ProjectRow, 'id' | 'name' | 'organizationId' | 'createdAt'>): ProjectView => ({
  id: row.id,
  name: row.name,
  organization: { href: `/organizations/${row.organizationId}` },
  created_at: row.createdAt.toISOString(),
  href: `/projects/${row.id}`,
});

export const apiKeyView = (row: ApiKeyRow): ApiKeyView => ({
  id: row.id,
  description: row.description,
  created_at: row.createdAt.toISOString(),
  revoked_at: row.revokedAt?.toISOString() ?? null,
});

/**
 * A created organization as the read model shows it, from its event: its command answers so whether the read model
 * has applied it in time or not.
 */
export const createdOrganizationView = ({ organizationId, name, createdAt }: OrganizationCreated['data']) =>
  organizationView({ id: organizationId, name, createdAt: new Date(createdAt) });

/** A created project as the read model shows it, from its event (as `createdOrganizationView`). */
export const createdProjectView = ({ projectId, organizationId, name, createdAt }: ProjectCreated['data']) =>
  projectView({ id: projectId, organizationId, name, createdAt: new Date(createdAt) });
