import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource, EntityTarget, FindOptionsOrder, FindOptionsWhere, IsNull, ObjectLiteral } from 'typeorm';
import { ApiKeyView, AuthenticatedKey, OrganizationView, PageMeta, pageOf, ProjectView } from '@flotilla/contracts';
import { DomainError } from '@flotilla/decider';
import { OrganizationAggregate } from '@flotilla/events';
import { RequestMeta } from '@flotilla/nest-platform';
import { findCaughtUp, ProjectionRunner } from '@flotilla/projections';
import { ApiKeyRow, OrganizationRow, ProjectRow } from '@flotilla/tenancy-read-model';
import { TENANCY_PROJECTION } from '../infrastructure/infrastructure.module';
import { assertInScope } from './tenancy-commands';
import { apiKeyView, organizationView, projectView } from './tenancy-views';
import { ProjectDirectory } from './project-directory';

export class GetOrganizationQuery {
  constructor(
    readonly organizationId: string,
    readonly meta: RequestMeta,
  ) {}
}

/** The organization's row; not found only once the tenancy read model holds the log as it is now. */
async function organizationRow(
  dataSource: DataSource,
  tenancy: ProjectionRunner,
  organizationId: string,
): Promise<OrganizationRow> {
  const row = await findCaughtUp(
    tenancy,
    () => dataSource.getRepository(OrganizationRow).findOneBy({ id: organizationId }),
    { type: OrganizationAggregate, id: organizationId },
  );
  if (!row) throw DomainError.notFound('organization');
  return row;
}

@QueryHandler(GetOrganizationQuery)
export class GetOrganizationHandler implements IQueryHandler<GetOrganizationQuery, OrganizationView> {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TENANCY_PROJECTION) private readonly tenancy: ProjectionRunner,
  ) {}

  async execute({ organizationId, meta }: GetOrganizationQuery): Promise<OrganizationView> {
    assertInScope(meta, organizationId);
    return organizationView(await organizationRow(this.dataSource, this.tenancy, organizationId));
  }
}

export class ListOrganizationsQuery {
  constructor(
    readonly page: number | undefined,
    readonly perPage: number | undefined,
    readonly meta: RequestMeta,
  ) {}
}

/** Root sees every organization; a caller confined to one sees that one alone, as Metal lists a user's own. */
@QueryHandler(ListOrganizationsQuery)
export class ListOrganizationsHandler implements IQueryHandler<
  ListOrganizationsQuery,
  { organizations: OrganizationView[]; meta: PageMeta }
> {
  constructor(private readonly dataSource: DataSource) {}

  async execute(query: ListOrganizationsQuery) {
    const where = query.meta.organizationId ? { id: query.meta.organizationId } : {};
    const { rows, meta } = await oldestFirst(this.dataSource, OrganizationRow, where, '/organizations', query);
    return { organizations: rows.map(organizationView), meta };
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

abstract class OrganizationPageQuery {
  constructor(
    readonly organizationId: string,
    readonly page: number | undefined,
    readonly perPage: number | undefined,
    readonly meta: RequestMeta,
  ) {}
}

/** A page of the rows `where` picks, oldest first, with Metal's `meta` for the route that lists them. */
async function oldestFirst<Row extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<Row>,
  where: object,
  route: string,
  { page, perPage }: { page: number | undefined; perPage: number | undefined },
): Promise<{ rows: Row[]; meta: PageMeta }> {
  const { skip, take, meta } = pageOf(route, page, perPage);
  const [rows, total] = await dataSource.getRepository(entity).findAndCount({
    where: where as FindOptionsWhere<Row>,
    order: { createdAt: 'ASC', id: 'ASC' } as unknown as FindOptionsOrder<Row>,
    skip,
    take,
  });
  return { rows, meta: meta(total) };
}

/** A page of an organization's rows, oldest first (another organization's answers not found, as one not there). */
async function organizationPage<Row extends ObjectLiteral>(
  dataSource: DataSource,
  tenancy: ProjectionRunner,
  entity: EntityTarget<Row>,
  route: string,
  query: OrganizationPageQuery,
): Promise<{ rows: Row[]; meta: PageMeta }> {
  const { organizationId, meta } = query;
  assertInScope(meta, organizationId);
  await organizationRow(dataSource, tenancy, organizationId);
  return oldestFirst(dataSource, entity, { organizationId }, `/organizations/${organizationId}/${route}`, query);
}

export class ListProjectsQuery extends OrganizationPageQuery {}

@QueryHandler(ListProjectsQuery)
export class ListProjectsHandler implements IQueryHandler<
  ListProjectsQuery,
  { projects: ProjectView[]; meta: PageMeta }
> {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TENANCY_PROJECTION) private readonly tenancy: ProjectionRunner,
  ) {}

  async execute(query: ListProjectsQuery) {
    const { rows, meta } = await organizationPage(this.dataSource, this.tenancy, ProjectRow, 'projects', query);
    return { projects: rows.map(projectView), meta };
  }
}

export class ListApiKeysQuery extends OrganizationPageQuery {}

@QueryHandler(ListApiKeysQuery)
export class ListApiKeysHandler implements IQueryHandler<ListApiKeysQuery, { api_keys: ApiKeyView[]; meta: PageMeta }> {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TENANCY_PROJECTION) private readonly tenancy: ProjectionRunner,
  ) {}

  async execute(query: ListApiKeysQuery) {
    const { rows, meta } = await organizationPage(this.dataSource, this.tenancy, ApiKeyRow, 'api-keys', query);
    return { api_keys: rows.map(apiKeyView), meta };
  }
}

export class AuthenticateQuery {
  constructor(
    readonly tokenHash: string,
    readonly tokenOrganizationId: string | undefined,
    readonly meta: RequestMeta,
  ) {}
}

@QueryHandler(AuthenticateQuery)
export class AuthenticateHandler implements IQueryHandler<AuthenticateQuery, AuthenticatedKey> {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TENANCY_PROJECTION) private readonly tenancy: ProjectionRunner,
  ) {}

  /**
   * Only root (the gateway authenticating a caller) may look keys up: to anyone else it is of no use but guessing.
   * A key not found is looked for again once the read model holds the commits of the organization its token names,
   * so one issued while the read model was behind answers 503 until it is applied, never 401; a token naming none
   * (or no organization) is answered at once.
   */
  async execute({ tokenHash, tokenOrganizationId, meta }: AuthenticateQuery): Promise<AuthenticatedKey> {
    if (meta.organizationId) throw new DomainError('forbidden', 'only the gateway authenticates API keys');
    const find = () => this.dataSource.getRepository(ApiKeyRow).findOneBy({ tokenHash, revokedAt: IsNull() });
    const key = tokenOrganizationId
      ? await findCaughtUp(this.tenancy, find, { type: OrganizationAggregate, id: tokenOrganizationId })
      : await find();
    if (!key) throw new DomainError('unauthorized', 'invalid token');
    return { keyId: key.id, organizationId: key.organizationId };
  }
}
