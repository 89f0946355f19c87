import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { DomainError } from '@flotilla/decider';
import { RequestMeta } from '@flotilla/nest-platform';
import { ProjectRow } from '@flotilla/tenancy-read-model';
import { openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { createProject, natsRequester, startOrchestrator, testConfig } from '../test-fixtures/orchestrator-fixture';
import { ProjectDirectory } from './project-directory';

const asOrganization = (organizationId: string | null): RequestMeta => ({
  actor: 'test',
  organizationId,
  principal: organizationId
    ? { kind: 'organization', organizationId, actor: 'test', issuedAt: Date.now() }
    : { kind: 'root', actor: 'test', issuedAt: Date.now() },
  correlationId: undefined,
});

describe('the project directory', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let directory: ProjectDirectory;
  let projects: Repository<ProjectRow>;

  beforeAll(async () => {
    env = await openTestEnvironment('BATCH');
    app = await startOrchestrator(testConfig(env));
    directory = app.get(ProjectDirectory);
    projects = app.get(DataSource).getRepository(ProjectRow);
  });

  afterAll(async () => {
    await app.close();
    await env.close();
  });

  const notFound = (promise: Promise<unknown>) =>
    expect(promise).rejects.toMatchObject({ code: DomainError.notFound('project').code });

  it('finds a project for its organization and the root, and for no other organization', async () => {
    const { organizationId, projectId } = await createProject(natsRequester(env));
    expect(await directory.inScope(projectId, asOrganization(organizationId))).toMatchObject({ id: projectId });
    expect(await directory.inScope(projectId, asOrganization(null))).toMatchObject({ organizationId });
    await notFound(directory.inScope(projectId, asOrganization(randomUUID())));
  });

  it('looks a project not found up again, and remembers one found for a minute', async () => {
    const { organizationId } = await createProject(natsRequester(env));
    const projectId = randomUUID();
    const now = Date.now();
    await notFound(directory.inScope(projectId, asOrganization(organizationId), now));
    await projects.insert({ id: projectId, organizationId, name: 'later', createdAt: new Date() });
    expect(await directory.inScope(projectId, asOrganization(organizationId), now)).toMatchObject({ id: projectId });
    // Gone from the read model (a log restored to before it): remembered within the minute, not after.
    await projects.delete({ id: projectId });
    expect(await directory.inScope(projectId, asOrganization(organizationId), now + 59_000)).toMatchObject({
      id: projectId,
    });
    await notFound(directory.inScope(projectId, asOrganization(organizationId), now + 61_000));
  });
});
