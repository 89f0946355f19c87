import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuthenticatedKey, OrganizationView, ProjectView } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { ApiKeyRow, OrganizationRow, ProjectRow } from '@flotilla/tenancy-read-model';
import { assertInScope } from './tenancy-commands';
import { organizationView, projectView } from './tenancy-views';
import { ProjectDirectory } from './project-directory';

export class GetOrganizationQuery {
  constructor(
    readonly organizationId: string,
    readonly meta: RequestMeta,
  ) {}
}

@QueryHandler(GetOrganizationQuery)
export class GetOrganizationHandler implements IQueryHandler<GetOrganizationQuery, OrganizationView> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ organizationId, meta }: GetOrganizationQuery): Promise<OrganizationView> {
    assertInScope(meta, organizationId);
    const row = await this.dataSource.getRepository(OrganizationRow).findOneBy({ id: organizationId });
    if (!row) throw DomainError.notFound('organization');
    return organizationView(row);
  }
}

export class GetProjectQuery {
  constructor(
    readonly projectId: string,
    readonly meta: RequestMeta,
  ) {}
}

@QueryHandler(GetProjectQuery)
export class GetProjectHandler implements IQueryHandler<GetProjectQuery, ProjectView> {
  constructor(private readonly projects: ProjectDirectory) {}

  async execute({ projectId, meta }: GetProjectQuery): Promise<ProjectView> {
    return projectView(await this.projects.inScope(projectId, meta));
  }
}

export class ListProjectsQuery {
  constructor(
    readonly organizationId: string,
    readonly meta: RequestMeta,
  ) {}
}

@QueryHandler(ListProjectsQuery)
export class ListProjectsHandler implements IQueryHandler<ListProjectsQuery, { projects: ProjectView[] }> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ organizationId, meta }: ListProjectsQuery): Promise<{ projects: ProjectView[] }> {
    assertInScope(meta, organizationId);
    if (!(await this.dataSource.getRepository(OrganizationRow).existsBy({ id: organizationId })))
      throw DomainError.notFound('organization');
    const rows = await this.dataSource
      .getRepository(ProjectRow)
      .find({ where: { organizationId }, order: { createdAt: 'ASC' } });
    return { projects: rows.map(projectView) };
  }
}

export class AuthenticateQuery {
  constructor(
    readonly tokenHash: string,
    readonly meta: RequestMeta,
  ) {}
}

@QueryHandler(AuthenticateQuery)
export class AuthenticateHandler implements IQueryHandler<AuthenticateQuery, AuthenticatedKey> {
  constructor(private readonly dataSource: DataSource) {}

  /** Only root (the gateway authenticating a caller) may look keys up: to anyone else it is of no use but guessing. */
  async execute({ tokenHash, meta }: AuthenticateQuery): Promise<AuthenticatedKey> {
    if (meta.organizationId) throw new DomainError('forbidden', 'only the gateway authenticates API keys');
    const key = await this.dataSource.getRepository(ApiKeyRow).findOneBy({ tokenHash });
    if (!key) throw new DomainError('unauthorized', 'invalid token');
    return { keyId: key.id, organizationId: key.organizationId };
  }
}
