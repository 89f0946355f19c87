import { Module } from '@nestjs/common';
import {
  CreateOrganizationHandler,
  CreateProjectHandler,
  IssueApiKeyHandler,
  RevokeApiKeyHandler,
} from './tenancy-commands';
import { TenancyMessagesController } from './tenancy-messages.controller';
import {
  AuthenticateHandler,
  GetOrganizationHandler,
  GetProjectHandler,
  ListApiKeysHandler,
  ListOrganizationsHandler,
  ListProjectsHandler,
} from './tenancy-queries';
import { organizationRepositoryProvider } from './organization-repository';
import { ProjectDirectory } from './project-directory';

@Module({
  controllers: [TenancyMessagesController],
  providers: [
    organizationRepositoryProvider,
    CreateOrganizationHandler,
    CreateProjectHandler,
    IssueApiKeyHandler,
    RevokeApiKeyHandler,
    ListOrganizationsHandler,
    GetOrganizationHandler,
    GetProjectHandler,
    ListProjectsHandler,
    ListApiKeysHandler,
    AuthenticateHandler,
    ProjectDirectory,
  ],
  exports: [ProjectDirectory],
})
export class TenancyModule {}
