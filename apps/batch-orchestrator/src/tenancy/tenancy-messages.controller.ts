import { Controller, UseFilters, UsePipes } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AuthenticateRequest,
  CreateOrganizationRequest,
  CreateProjectRequest,
  GetOrganizationRequest,
  GetProjectRequest,
  IssueApiKeyRequest,
  ListProjectsRequest,
  ServiceNames,
  TenancySubjects,
} from '@flotilla/contracts';
import { Meta, RequestMeta, RpcErrorFilter, RpcValidationPipe } from '@flotilla/nest-platform';
import { CreateOrganizationCommand, CreateProjectCommand, IssueApiKeyCommand } from './tenancy-commands';
import { AuthenticateQuery, GetOrganizationQuery, GetProjectQuery, ListProjectsQuery } from './tenancy-queries';

const queue = { queue: ServiceNames.batchOrchestrator };

/** Tenancy commands and queries over NATS request/reply (subjects in @flotilla/contracts). */
@Controller()
@UseFilters(RpcErrorFilter)
@UsePipes(RpcValidationPipe)
export class TenancyMessagesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @MessagePattern(TenancySubjects.createOrganization, queue)
  createOrganization(@Payload() request: CreateOrganizationRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new CreateOrganizationCommand(request, meta));
  }

  @MessagePattern(TenancySubjects.createProject, queue)
  createProject(@Payload() request: CreateProjectRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new CreateProjectCommand(request, meta));
  }

  @MessagePattern(TenancySubjects.issueApiKey, queue)
  issueApiKey(@Payload() request: IssueApiKeyRequest, @Meta() meta: RequestMeta) {
    return this.commands.execute(new IssueApiKeyCommand(request, meta));
  }

  @MessagePattern(TenancySubjects.getOrganization, queue)
  getOrganization(@Payload() request: GetOrganizationRequest, @Meta() meta: RequestMeta) {
    return this.queries.execute(new GetOrganizationQuery(request.organizationId, meta));
  }

  @MessagePattern(TenancySubjects.getProject, queue)
  getProject(@Payload() request: GetProjectRequest, @Meta() meta: RequestMeta) {
    return this.queries.execute(new GetProjectQuery(request.projectId, meta));
  }

  @MessagePattern(TenancySubjects.listProjects, queue)
  listProjects(@Payload() request: ListProjectsRequest, @Meta() meta: RequestMeta) {
    return this.queries.execute(new ListProjectsQuery(request.organizationId, meta));
  }

  @MessagePattern(TenancySubjects.authenticate, queue)
  authenticate(@Payload() request: AuthenticateRequest, @Meta() meta: RequestMeta) {
    return this.queries.execute(new AuthenticateQuery(request.tokenHash, meta));
  }
}
