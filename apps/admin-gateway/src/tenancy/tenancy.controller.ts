import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { Doc } from '../openapi/api-doc';
import { ErrorCodes, IssuedApiKeyView, OrganizationView, ProjectView, TenancySubjects } from '@flotilla/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { Caller, CurrentCaller } from '../auth/caller';
import { NatsRpcClient, RemoteError } from '../nats-rpc.client';
import { ApiPaging, paging } from '../paging';
import { ApiIdempotencyKey, IdempotencyKey } from '../idempotency-key';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new RemoteError({ code: ErrorCodes.notFound, message: 'not found' }),
});
type Body = Record<string, unknown> | undefined;

/** Organizations, projects and API keys: thin HTTP over the tenancy commands and queries. */
@ApiTags('tenancy')
@ApiHeader({ name: 'X-Auth-Token', required: true })
@Controller()
@UseGuards(AuthGuard)
export class TenancyController {
  constructor(private readonly rpc: NatsRpcClient) {}

  @Doc('Create an organization (root token)', { status: 201, schema: 'Organization' }, 'NameInput')
  @Post('organizations')
  @ApiIdempotencyKey("the first request's organization")
  createOrganization(
    @Body() body: Body,
    @IdempotencyKey() commandId: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<OrganizationView> {
    if (caller.organizationId) {
      throw new RemoteError({ code: ErrorCodes.forbidden, message: 'only the root token can create organizations' });
    }
    return this.rpc.call(TenancySubjects.createOrganization, { ...body, commandId }, caller);
  }

  @Doc('Organizations, oldest first: every one for the root token, its own for an API key', 'OrganizationList')
  @Get('organizations')
  @ApiPaging()
  listOrganizations(
    @Query('page') page: string | undefined,
    @Query('per_page') perPage: string | undefined,
    @CurrentCaller() caller: Caller,
  ) {
    return this.rpc.call(TenancySubjects.listOrganizations, paging(page, perPage), caller);
  }

  @Doc('An organization', 'Organization')
  @Get('organizations/:id')
  getOrganization(
    @Param('id', uuid) organizationId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<OrganizationView> {
    return this.rpc.call(TenancySubjects.getOrganization, { organizationId }, caller);
  }

  @Doc('Create a project in an organization', { status: 201, schema: 'Project' }, 'NameInput')
  @Post('organizations/:id/projects')
  @ApiIdempotencyKey("the first request's project")
  createProject(
    @Param('id', uuid) organizationId: string,
    @Body() body: Body,
    @IdempotencyKey() commandId: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<ProjectView> {
    return this.rpc.call(TenancySubjects.createProject, { ...body, organizationId, commandId }, caller);
  }

  @Doc("An organization's projects, oldest first", 'ProjectList')
  @Get('organizations/:id/projects')
  @ApiPaging()
  listProjects(
    @Param('id', uuid) organizationId: string,
    @Query('page') page: string | undefined,
    @Query('per_page') perPage: string | undefined,
    @CurrentCaller() caller: Caller,
  ) {
    return this.rpc.call(TenancySubjects.listProjects, { organizationId, ...paging(page, perPage) }, caller);
  }

  @Doc('A project', 'Project')
  @Get('projects/:id')
  getProject(@Param('id', uuid) projectId: string, @CurrentCaller() caller: Caller): Promise<ProjectView> {
    return this.rpc.call(TenancySubjects.getProject, { projectId }, caller);
  }

  @Doc(
    'Issue an API key of the organization (its token is shown once)',
    { status: 201, schema: 'IssuedApiKey' },
    'ApiKeyInput',
  )
  @Post('organizations/:id/api-keys')
  @HttpCode(201)
  @ApiIdempotencyKey('409 naming the key the first request issued (its token is shown once)')
  issueApiKey(
    @Param('id', uuid) organizationId: string,
    @Body() body: Body,
    @IdempotencyKey() commandId: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<IssuedApiKeyView> {
    return this.rpc.call(
      TenancySubjects.issueApiKey,
      { description: body?.description, organizationId, commandId },
      caller,
    );
  }

  @Doc("An organization's API keys, oldest first, revoked ones included (never their tokens)", 'ApiKeyList')
  @Get('organizations/:id/api-keys')
  @ApiPaging()
  listApiKeys(
    @Param('id', uuid) organizationId: string,
    @Query('page') page: string | undefined,
    @Query('per_page') perPage: string | undefined,
    @CurrentCaller() caller: Caller,
  ) {
    return this.rpc.call(TenancySubjects.listApiKeys, { organizationId, ...paging(page, perPage) }, caller);
  }

  @Doc('Revoke an API key: from the answer on, it authenticates no one (again: nothing changes)', { status: 204 })
  @Delete('organizations/:id/api-keys/:keyId')
  @HttpCode(204)
  async revokeApiKey(
    @Param('id', uuid) organizationId: string,
    @Param('keyId', uuid) keyId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    await this.rpc.call(TenancySubjects.revokeApiKey, { organizationId, keyId }, caller);
  }
}
