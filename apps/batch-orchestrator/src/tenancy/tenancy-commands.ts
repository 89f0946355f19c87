import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import {
  apiKeyToken,
  ApiKeyView,
  CreateOrganizationRequest,
  CreateProjectRequest,
  IssueApiKeyRequest,
  IssuedApiKeyView,
  OrganizationView,
  ProjectView,
  RevokeApiKeyRequest,
} from '@flotilla/contracts';
import { createdId, DomainError } from '@flotilla/decider';
import { OrganizationCreated, ProjectCreated } from '@flotilla/events';
import { idempotency, RecordedEvent } from '@flotilla/event-store';
import { RequestMeta } from '@flotilla/nest-platform';
import { appliedOrUnavailable, ProjectionRunner } from '@flotilla/projections';
import { ApiKeyRow } from '@flotilla/tenancy-read-model';
import { TENANCY_PROJECTION } from '../infrastructure/infrastructure.module';
import { OrganizationRepository } from './organization-repository';
import { apiKeyView, createdOrganizationView, createdProjectView } from './tenancy-views';

/** A caller confined to one organization sees no other: it is answered as if the organization did not exist. */
export function assertInScope(meta: RequestMeta, organizationId: string): void {
  if (meta.organizationId && meta.organizationId !== organizationId) throw DomainError.notFound('organization');
}

export class CreateOrganizationCommand {
  constructor(
    readonly request: CreateOrganizationRequest,
    readonly meta: RequestMeta,
  ) {}
}

@CommandHandler(CreateOrganizationCommand)
export class CreateOrganizationHandler implements ICommandHandler<CreateOrganizationCommand, OrganizationView> {
  constructor(
    private readonly organizations: OrganizationRepository,
    @Inject(TENANCY_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ request, meta }: CreateOrganizationCommand): Promise<OrganizationView> {
    if (meta.organizationId) throw DomainError.notFound('organization');
    const keyed = idempotency('create-organization', request.commandId, request.name);
    const newId = createdId(keyed.commandId);
    const result = await this.organizations.execute(
      newId,
      { type: 'CreateOrganization', organizationId: newId, name: request.name },
      { metadata: meta, ...keyed },
    );
    // A repeat's events are the first request's: its organization is answered.
    const created = result.events[0] as RecordedEvent<OrganizationCreated>;
    await this.projection.waitFor(created.streamSeq);
    return createdOrganizationView(created.data);
  }
}

export class CreateProjectCommand {
  constructor(
    readonly request: CreateProjectRequest,
    readonly meta: RequestMeta,
  ) {}
}

@CommandHandler(CreateProjectCommand)
export class CreateProjectHandler implements ICommandHandler<CreateProjectCommand, ProjectView> {
  constructor(
    private readonly organizations: OrganizationRepository,
    @Inject(TENANCY_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ request, meta }: CreateProjectCommand): Promise<ProjectView> {
    assertInScope(meta, request.organizationId);
    const result = await this.organizations.execute(
      request.organizationId,
      { type: 'CreateProject', projectId: randomUUID(), name: request.name },
      { metadata: meta, ...idempotency(`create-project:${request.organizationId}`, request.commandId, request.name) },
    );
    const created = result.events.find((e): e is RecordedEvent<ProjectCreated> => e.type === 'ProjectCreated');
    if (!created) throw DomainError.conflict('project was not created');
    await this.projection.waitFor(created.streamSeq);
    return createdProjectView(created.data);
  }
}

export class IssueApiKeyCommand {
  constructor(
    readonly request: IssueApiKeyRequest,
    readonly meta: RequestMeta,
  ) {}
}

/**
 * The token is made here (naming its organization: `apiKeyToken`) and returned once; only its SHA-256 goes into the
 * log.
 */
@CommandHandler(IssueApiKeyCommand)
export class IssueApiKeyHandler implements ICommandHandler<IssueApiKeyCommand, IssuedApiKeyView> {
  constructor(
    private readonly organizations: OrganizationRepository,
    @Inject(TENANCY_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ request, meta }: IssueApiKeyCommand): Promise<IssuedApiKeyView> {
    assertInScope(meta, request.organizationId);
    const token = apiKeyToken(request.organizationId, randomBytes(32).toString('base64url'));
    const keyed = idempotency(
      `issue-api-key:${request.organizationId}`,
      request.commandId,
      request.description ?? null,
    );
    const keyId = createdId(keyed.commandId);
    const result = await this.organizations.execute(
      request.organizationId,
      {
        type: 'IssueApiKey',
        keyId,
        tokenHash: createHash('sha256').update(token).digest('hex'),
        description: request.description ?? null,
      },
      { metadata: meta, ...keyed },
    );
    // The first request's token is kept nowhere: it cannot be answered again, nor may the repeat issue another.
    if (result.duplicate)
      throw DomainError.conflict(
        `this Idempotency-Key issued API key ${keyId} already, whose token was shown once: if that answer was lost, ` +
          'revoke the key and issue another',
      );
    const issued = result.events[0];
    await this.projection.waitFor(issued.streamSeq);
    return { id: keyId, token, description: request.description ?? null, created_at: issued.time };
  }
}

export class RevokeApiKeyCommand {
  constructor(
    readonly request: RevokeApiKeyRequest,
    readonly meta: RequestMeta,
  ) {}
}

/** Answers once the read model the gateway authenticates from has the key revoked: from then on it lets no one in. */
@CommandHandler(RevokeApiKeyCommand)
export class RevokeApiKeyHandler implements ICommandHandler<RevokeApiKeyCommand, ApiKeyView> {
  constructor(
    private readonly organizations: OrganizationRepository,
    private readonly dataSource: DataSource,
    @Inject(TENANCY_PROJECTION) private readonly projection: ProjectionRunner,
  ) {}

  async execute({ request, meta }: RevokeApiKeyCommand): Promise<ApiKeyView> {
    assertInScope(meta, request.organizationId);
    const result = await this.organizations.execute(
      request.organizationId,
      { type: 'RevokeApiKey', keyId: request.keyId },
      { metadata: meta },
    );
    // Revoked before, nothing was appended: the read model may still be applying that revocation.
    // Until the read model the gateway checks keys in has it, the key still lets its holder in: not revoked yet.
    await appliedOrUnavailable(
      this.projection,
      result.events[0]?.streamSeq ?? result.version,
      'until it has it the key still lets its holder in, so revoke it again shortly',
    );
    return apiKeyView(await this.dataSource.getRepository(ApiKeyRow).findOneByOrFail({ id: request.keyId }));
  }
}
