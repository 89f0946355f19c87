import { DomainEvent } from './domain-event';

/** Organizations, their projects and API keys: owned by the batch-orchestrator, on `evt.batch.organization.<id>`. */
export const OrganizationAggregate = 'organization';

export type OrganizationCreated = DomainEvent<
  'OrganizationCreated',
  { organizationId: string; name: string; createdAt: string }
>;
export type ProjectCreated = DomainEvent<
  'ProjectCreated',
  { organizationId: string; projectId: string; name: string; createdAt: string }
>;
/** Only the token's SHA-256 is ever recorded; the token itself is shown once to whoever asked for it. */
export type ApiKeyIssued = DomainEvent<
  'ApiKeyIssued',
  { organizationId: string; keyId: string; tokenHash: string; description: string | null; createdAt: string }
>;

/** From then on the key authenticates no one; it stays listed, as revoked. */
export type ApiKeyRevoked = DomainEvent<'ApiKeyRevoked', { organizationId: string; keyId: string; revokedAt: string }>;

export type OrganizationEvent = OrganizationCreated | ProjectCreated | ApiKeyIssued | ApiKeyRevoked;

/** Current schema version of each event type; older versions are upcast on read. */
export const TenancyEventVersions: Record<OrganizationEvent['type'], number> = {
  OrganizationCreated: 1,
  ProjectCreated: 1,
  ApiKeyIssued: 1,
  ApiKeyRevoked: 1,
};
