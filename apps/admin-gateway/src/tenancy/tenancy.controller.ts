import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import { ErrorCodes, IssuedApiKeyView, OrganizationView, ProjectView, TenancySubjects } from '@flotilla/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { Caller, CurrentCaller } from '../auth/caller';
import { NatsRpcClient, RemoteError } from '../nats-rpc.client';

const uuid = new ParseUUIDPipe({
  exceptionFactory: () => new RemoteError({ code: ErrorCodes.notFound, message: 'not found' }),
});
const nameBody = { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } };
type Body = Record<string, unknown> | undefined;

/** Organizations, projects and API keys: thin HTTP over the tenancy commands and queries. */
@ApiTags('tenancy')
@ApiHeader({ name: 'X-Auth-Token', required: true })
@Controller()
@UseGuards(AuthGuard)
export class TenancyController {
  constructor(private readonly rpc: NatsRpcClient) {}

  @Post('organizations')
  @ApiBody(nameBody)
  createOrganization(@Body() body: Body, @CurrentCaller() caller: Caller): Promise<OrganizationView> {
    if (caller.organizationId) {
      throw new RemoteError({ code: ErrorCodes.forbidden, message: 'only the root token can create organizations' });
    }
    return this.rpc.call(TenancySubjects.createOrganization, { ...body }, caller);
  }

  @Get('organizations/:id')
  getOrganization(
    @Param('id', uuid) organizationId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<OrganizationView> {
    return this.rpc.call(TenancySubjects.getOrganization, { organizationId }, caller);
  }

  @Post('organizations/:id/projects')
  @ApiBody(nameBody)
  createProject(
    @Param('id', uuid) organizationId: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
  ): Promise<ProjectView> {
    return this.rpc.call(TenancySubjects.createProject, { ...body, organizationId }, caller);
  }

  @Get('organizations/:id/projects')
  listProjects(
    @Param('id', uuid) organizationId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<{ projects: ProjectView[] }> {
    return this.rpc.call(TenancySubjects.listProjects, { organizationId }, caller);
  }

  @Get('projects/:id')
  getProject(@Param('id', uuid) projectId: string, @CurrentCaller() caller: Caller): Promise<ProjectView> {
    return this.rpc.call(TenancySubjects.getProject, { projectId }, caller);
  }

  @Post('organizations/:id/api-keys')
  @HttpCode(201)
  @ApiBody({ required: false, schema: { type: 'object', properties: { description: { type: 'string' } } } })
  issueApiKey(
    @Param('id', uuid) organizationId: string,
    @Body() body: Body,
    @CurrentCaller() caller: Caller,
  ): Promise<IssuedApiKeyView> {
    return this.rpc.call(TenancySubjects.issueApiKey, { description: body?.description, organizationId }, caller);
  }
}
