import { ApiKeyView, OrganizationView, ProjectView } from '@flotilla/contracts';
import { ApiKeyRow, OrganizationRow, ProjectRow } from '@flotilla/tenancy-read-model';

export const organizationView = (row: OrganizationRow): OrganizationView => ({
  id: row.id,
  name: row.name,
  created_at: row.createdAt.toISOString(),
  href: `/organizations/${row.id}`,
});

export const projectView = (row: ProjectRow): ProjectView => ({
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
