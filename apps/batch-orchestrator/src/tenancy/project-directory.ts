import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '@flotilla/decider';
import { OrganizationAggregate } from '@flotilla/events';
import { RequestMeta } from '@flotilla/nest-platform';
import { findCaughtUp, ProjectionRunner } from '@flotilla/projections';
import { ProjectRow } from '@flotilla/tenancy-read-model';
import { TENANCY_PROJECTION } from '../infrastructure/infrastructure.module';

/** How long a project found stays remembered: bounds what a log restored to before its creation could leave behind. */
const REMEMBER_MS = 60_000;
const REMEMBER_AT_MOST = 10_000;

/**
 * Projects by id, for the commands and queries that name one: every batch request does. A project is never deleted and
 * never changes organization, so one found is remembered for a while instead of read again for each request; one not
 * found is always looked up again (it may have been created since, or by another instance), and is not found only
 * once the tenancy read model holds the log as it is now.
 */
@Injectable()
export class ProjectDirectory {
  private readonly found = new Map<string, { project: ProjectRow; at: number }>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(TENANCY_PROJECTION) private readonly tenancy: ProjectionRunner,
  ) {}

  /** The project, if the caller may see it (the root, or its organization); not found otherwise. */
  async inScope(projectId: string, meta: RequestMeta, now = Date.now()): Promise<ProjectRow> {
    const project = await this.find(projectId, meta.organizationId, now);
    if (!project || (meta.organizationId && meta.organizationId !== project.organizationId))
      throw DomainError.notFound('project');
    return project;
  }

  /**
   * `organizationId`: the caller's, if it is confined to one; a project of any other is not found for it anyway, so
   * only that organization's commits need to be in the read model for "not found" to be the log's answer.
   */
  private async find(projectId: string, organizationId: string | null, now: number): Promise<ProjectRow | null> {
    const remembered = this.found.get(projectId);
    if (remembered && now - remembered.at < REMEMBER_MS) return remembered.project;
    const project = await findCaughtUp(
      this.tenancy,
      () => this.dataSource.getRepository(ProjectRow).findOneBy({ id: projectId }),
      organizationId ? { type: OrganizationAggregate, id: organizationId } : undefined,
    );
    this.found.delete(projectId);
    if (project) {
      if (this.found.size >= REMEMBER_AT_MOST) this.found.delete(this.found.keys().next().value as string);
      this.found.set(projectId, { project, at: now });
    }
    return project;
  }
}
