import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { Payload } from '@nestjs/microservices';
import {
  AuthenticateRequest,
  CreateOrganizationRequest,
  CreateProjectRequest,
  GetOrganizationRequest,
  GetProjectRequest,
  IssueApiKeyRequest,
  ListOrganizationsRequest,
  OrganizationListRequest,
  RevokeApiKeyRequest,
  TenancySubjects,
} from '@flotilla/contracts';
import { Meta, Handles, RequestMeta, RpcErrorFilter, RpcValidationPipe } from '@flotilla/nest-platform';
import {
  CreateOrganizationCommand,
  CreateProjectCommand,
  IssueApiKeyCommand,
  RevokeApiKeyCommand,
} from './tenancy-commands';
import {
  AuthenticateQuery,
  GetOrganizationQuery,
  GetProjectQuery,
  ListApiKeysQuery,
  ListOrganizationsQuery,
  ListProjectsQuery,
} from './tenancy-queries';

/** Tenancy commands and queries over NATS request/reply (subjects in @flotilla/contracts). */
@Controller()
@UseFilters(RpcErrorFilter)
@UsePipes(RpcValidationPipe)
export class TenancyMessagesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Handles(TenancySubjects.createOrganization)
  createOrganization(@Payload() request: CreateOrganizationRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new CreateOrganizationCommand(request, meta));
  }

  @Handles(TenancySubjects.createProject)
  createProject(@Payload() request: CreateProjectRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new CreateProjectCommand(request, meta));
  }

  @Handles(TenancySubjects.issueApiKey)
  issueApiKey(@Payload() request: IssueApiKeyRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new IssueApiKeyCommand(request, meta));
  }

  @Handles(TenancySubjects.revokeApiKey)
  revokeApiKey(@Payload() request: RevokeApiKeyRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new RevokeApiKeyCommand(request, meta));
  }

  @Handles(TenancySubjects.listApiKeys)
  listApiKeys(@Payload() request: OrganizationListRequest, @Meta() meta: RequestMeta) {
    const { organizationId, page, perPage } = request;
    return this.queries.execute(new ListApiKeysQuery(organizationId, page, perPage, meta));
  }

  @Handles(TenancySubjects.listOrganizations)
  listOrganizations(@Payload() request: ListOrganizationsRequest, @Meta() meta: RequestMeta) {
    return this.queries.execute(new ListOrganizationsQuery(request.page, request.perPage, meta));
  }

  @Handles(TenancySubjects.getOrganization)
  getOrganization(@Payload() request: GetOrganizationRequest, @Meta() meta: RequestMeta) {
    return this.queries.execute(new GetOrganizationQuery(request.organizationId, meta));
  }

  @Handles(TenancySubjects.getProject)
  getProject(@Payload() request: GetProjectRequest, @Meta() meta: RequestMeta) {
    return this.queries.execute(new GetProjectQuery(request.projectId, meta));
  }

  @Handles(TenancySubjects.listProjects)
  listProjects(@Payload() request: OrganizationListRequest, @Meta() meta: RequestMeta) {
    const { organizationId, page, perPage } = request;
    return this.queries.execute(new ListProjectsQuery(organizationId, page, perPage, meta));
  }

  @Handles(TenancySubjects.authenticate)
  authenticate(@Payload() request: AuthenticateRequest, @Meta() meta: RequestMeta) {
    return this.queries.execute(new AuthenticateQuery(request.tokenHash, request.tokenOrganizationId, meta));
  }
}
