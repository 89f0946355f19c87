import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuthenticatedKey, OrganizationView, PageMeta, pageOf, ProjectView } from '@flotilla/contracts';
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
    readonly page: number | undefined,
    readonly perPage: number | undefined,
    readonly meta: RequestMeta,
  ) {}
}

type ProjectList = { projects: ProjectView[]; meta: PageMeta };

@QueryHandler(ListProjectsQuery)
export class ListProjectsHandler implements IQueryHandler<ListProjectsQuery, ProjectList> {
  constructor(private readonly dataSource: DataSource) {}

  async execute({ organizationId, page, perPage, meta }: ListProjectsQuery): Promise<ProjectList> {
    assertInScope(meta, organizationId);
    if (!(await this.dataSource.getRepository(OrganizationRow).existsBy({ id: organizationId })))
      throw DomainError.notFound('organization');
    const { skip, take, meta: metaOf } = pageOf(`/organizations/${organizationId}/projects`, page, perPage);
    const [rows, total] = await this.dataSource
      .getRepository(ProjectRow)
      .findAndCount({ where: { organizationId }, order: { createdAt: 'ASC', id: 'ASC' }, skip, take });
    return { projects: rows.map(projectView), meta: metaOf(total) };
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
