import { Transform } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

/** NATS subjects of the tenancy commands and queries (served by the batch-orchestrator, queue group per service). */
export const TenancySubjects = {
  createOrganization: 'fleet.tenancy.cmd.create-organization',
  createProject: 'fleet.tenancy.cmd.create-project',
  issueApiKey: 'fleet.tenancy.cmd.issue-api-key',
  getOrganization: 'fleet.tenancy.query.get-organization',
  getProject: 'fleet.tenancy.query.get-project',
  listProjects: 'fleet.tenancy.query.list-projects',
  authenticate: 'fleet.tenancy.query.authenticate',
} as const;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateOrganizationRequest {
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  /** Idempotency: a repeat with the same commandId returns the first result. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
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

  @IsOptional()
  @IsString()
  @MaxLength(128)
  commandId?: string;
}

export class IssueApiKeyRequest {
  @IsUUID()
  organizationId!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;
}

export class GetOrganizationRequest {
  @IsUUID()
  organizationId!: string;
}

export class GetProjectRequest {
  @IsUUID()
  projectId!: string;
}

export class ListProjectsRequest {
  @IsUUID()
  organizationId!: string;
}

export class AuthenticateRequest {
  /** Hex SHA-256 of the presented token: the token itself never crosses the bus. */
  @IsString()
  @MaxLength(64)
  tokenHash!: string;
}

export interface OrganizationView {
  id: string;
  name: string;
  created_at: string;
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

export interface AuthenticatedKey {
  keyId: string;
  organizationId: string;
}
