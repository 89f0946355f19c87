import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';
import { ServiceNames } from '@flotilla/events';
import { PageMeta, PageNumber, PerPage } from '../platform/paging';
import { OrganizationListRequest } from '../platform/organization-requests';
import { replyOf, subject } from '../platform/subject';
import { Optional } from '../platform/optional';
import { CommandId } from '../platform/command-id';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateOrganizationRequest {
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @CommandId()
  commandId?: string;
}

export class CreateProjectRequest {
  @IsUUID()
  organizationId!: string;

  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @CommandId()
  commandId?: string;
}

export class IssueApiKeyRequest {
  @IsUUID()
  organizationId!: string;

  @Optional()
  @IsString()
  @MaxLength(200)
  description?: string;

  /** A repeat issues nothing: it is refused, naming the key the first request issued (its token was shown once). */
  @CommandId()
  commandId?: string;
}

export class RevokeApiKeyRequest {
  @IsUUID()
  organizationId!: string;

  @IsUUID()
  keyId!: string;
}

export class ListOrganizationsRequest {
  @PageNumber()
  page?: number;

  @PerPage()
  perPage?: number;
}

export class GetOrganizationRequest {
  @IsUUID()
  organizationId!: string;
}

export class GetProjectRequest {
  @IsUUID()
  projectId!: string;
}

export class AuthenticateRequest {
  /** Hex SHA-256 of the presented token: the token itself never crosses the bus. */
  @IsString()
  @MaxLength(64)
  tokenHash!: string;

  /** The organization the token names (`tokenOrganization`), unverified: where to wait for a key not found. */
  @Optional()
  @IsUUID()
  tokenOrganizationId?: string;
}

export interface OrganizationView {
  id: string;
  name: string;
  created_at: string;
  href: string;
}

export interface ProjectView {
  id: string;
  name: string;
  organization: { href: string };
  created_at: string;
  href: string;
}

export interface IssuedApiKeyView {
  id: string;
  token: string;
  description: string | null;
  created_at: string;
}

/** A key as listed: never its token, which was shown once when it was issued. */
export interface ApiKeyView {
  id: string;
  description: string | null;
  created_at: string;
  /** When it was revoked (it authenticates no one since), or null while it is in use. */
  revoked_at: string | null;
}

export interface AuthenticatedKey {
  keyId: string;
  organizationId: string;
}

const orchestrator = ServiceNames.batchOrchestrator;

/** Tenancy commands and queries, served by the batch-orchestrator. */
export const TenancySubjects = {
  createOrganization: subject(
    'tenancy.cmd.create-organization',
    orchestrator,
    CreateOrganizationRequest,
    replyOf<OrganizationView>('the organization'),
    'Root principals only. Repeating a commandId returns the first result.',
  ),
  createProject: subject(
    'tenancy.cmd.create-project',
    orchestrator,
    CreateProjectRequest,
    replyOf<ProjectView>('the project'),
    'Creates a project in the organization. Repeating a commandId returns the first result.',
  ),
  issueApiKey: subject(
    'tenancy.cmd.issue-api-key',
    orchestrator,
    IssueApiKeyRequest,
    replyOf<IssuedApiKeyView>('the key with its token, shown this once'),
    'Issues an API key of the organization; only the SHA-256 of its token is recorded.',
  ),
  revokeApiKey: subject(
    'tenancy.cmd.revoke-api-key',
    orchestrator,
    RevokeApiKeyRequest,
    replyOf<ApiKeyView>('the key, revoked'),
    'Revokes an API key of the organization: from the reply on, it authenticates no one. Revoking it again changes nothing.',
  ),
  listApiKeys: subject(
    'tenancy.query.list-api-keys',
    orchestrator,
    OrganizationListRequest,
    replyOf<{ api_keys: ApiKeyView[]; meta: PageMeta }>("a page of the organization's API keys, oldest first"),
    'The API keys of an organization, revoked ones included, a page at a time (never their tokens).',
  ),
  listOrganizations: subject(
    'tenancy.query.list-organizations',
    orchestrator,
    ListOrganizationsRequest,
    replyOf<{ organizations: OrganizationView[]; meta: PageMeta }>('a page of organizations, oldest first'),
    "Every organization for root principals; an organization's own principal sees its organization alone.",
  ),
  getOrganization: subject(
    'tenancy.query.get-organization',
    orchestrator,
    GetOrganizationRequest,
    replyOf<OrganizationView>('the organization'),
    'An organization; another organization answers not_found.',
  ),
  getProject: subject(
    'tenancy.query.get-project',
    orchestrator,
    GetProjectRequest,
    replyOf<ProjectView>('the project'),
    "A project; another organization's answers not_found.",
  ),
  listProjects: subject(
    'tenancy.query.list-projects',
    orchestrator,
    OrganizationListRequest,
    replyOf<{ projects: ProjectView[]; meta: PageMeta }>("a page of the organization's projects, oldest first"),
    'The projects of an organization, a page at a time.',
  ),
  authenticate: subject(
    'tenancy.query.authenticate',
    orchestrator,
    AuthenticateRequest,
    replyOf<AuthenticatedKey>('the key id and its organization'),
    'Root principals only (the gateway): an API key by the hex SHA-256 of its token; unknown and revoked keys answer unauthorized.',
  ),
};
