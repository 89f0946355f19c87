import { DataSource } from 'typeorm';
import { EventStore } from '@flotilla/event-store';
import { consumerMigrations, ProjectionRunner, runMigrations } from '@flotilla/projections';
import { eventually, openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { CreateTenancyReadModel1767225600100 } from './create-tenancy-read-model.migration';
import { ProjectRow, tenancyEntities } from './tenancy-entities';
import { tenancyProjection } from './tenancy-projection';

describe('tenancy read model', () => {
  let env: TestEnvironment;
  let dataSource: DataSource;

  beforeAll(async () => {
    env = await openTestEnvironment('TEN');
    dataSource = await new DataSource({
      type: 'postgres',
      url: env.db.url,
      schema: 'tenancy_test',
      entities: tenancyEntities,
      migrations: [...consumerMigrations, CreateTenancyReadModel1767225600100],
    }).initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await env.close();
  });

  it('migrates once, then projects organizations and projects for queries', async () => {
    expect(await runMigrations(dataSource)).toHaveLength(3);
    expect(await runMigrations(dataSource)).toHaveLength(0);

    const store = await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix });
    const orgId = '6f1c2f7e-8a53-4f7a-9d0e-3b8a4b7c1d01';
    const projectId = '0b7e3f52-1c9d-4a6e-8f21-5d4c3b2a1908';
    await store.append(
      store.subjectFor('organization', orgId),
      [
        {
          type: 'OrganizationCreated',
          data: { organizationId: orgId, name: 'Acme', createdAt: '2026-01-01T00:00:00Z' },
        },
        {
          type: 'ProjectCreated',
          data: { organizationId: orgId, projectId, name: 'web', createdAt: '2026-01-01T00:00:01Z' },
        },
      ],
      { expectedVersion: 0, metadata: { actor: 'test' } },
    );
    const runner = new ProjectionRunner(store, dataSource, tenancyProjection('tenancy_test', env.subjectPrefix));
    await runner.start();
    const project = await eventually(() =>
      dataSource
        .getRepository(ProjectRow)
        .findOneBy({ id: projectId })
        .then((p) => p ?? undefined),
    );
    await runner.stop();
    expect(project).toMatchObject({ id: projectId, organizationId: orgId, name: 'web' });
  });
});
