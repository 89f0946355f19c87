import { DataSource } from 'typeorm';
import { EventStore } from '@flotilla/event-store';
import { consumerMigrations, ProjectionRunner, runMigrations } from '@flotilla/projections';
import { eventually, openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import {
  AddApiKeyRevocation1767225600800,
  CreateTenancyReadModel1767225600100,
} from './create-tenancy-read-model.migration';
import { ApiKeyRow, ProjectRow, tenancyEntities } from './tenancy-entities';
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
      migrations: [...consumerMigrations, CreateTenancyReadModel1767225600100, AddApiKeyRevocation1767225600800],
    }).initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await env.close();
  });

  it('migrates once, then projects organizations, projects and API keys for queries', async () => {
    expect(await runMigrations(dataSource)).toHaveLength(4);
    expect(await runMigrations(dataSource)).toHaveLength(0);

    const store = await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix });
    const orgId = '6f1c2f7e-8a53-4f7a-9d0e-3b8a4b7c1d01';
    const projectId = '0b7e3f52-1c9d-4a6e-8f21-5d4c3b2a1908';
    const keyId = '3c9a1d2e-4f5b-4a6c-9d7e-8f9a0b1c2d3e';
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
    const key = { organizationId: orgId, keyId };
    const issued = { ...key, tokenHash: 'ab'.repeat(32), description: 'ci', createdAt: '2026-01-01T00:00:02Z' };
    await store.append(
      store.subjectFor('organization', orgId),
      [
        { type: 'ApiKeyIssued', data: issued },
        { type: 'ApiKeyRevoked', data: { ...key, revokedAt: '2026-01-02T00:00:00Z' } },
        { type: 'ApiKeyRevoked', data: { ...key, revokedAt: '2026-01-03T00:00:00Z' } }, // a second changes nothing
      ],
      { expectedVersion: 1, metadata: { actor: 'test' } },
    );
    const runner = new ProjectionRunner(store, dataSource, tenancyProjection('tenancy_test', env.subjectPrefix));
    await runner.start();
    const project = await eventually(() =>
      dataSource
        .getRepository(ProjectRow)
        .findOneBy({ id: projectId })
        .then((p) => p ?? undefined),
    );
    const revoked = await eventually(() =>
      dataSource
        .getRepository(ApiKeyRow)
        .findOneBy({ id: keyId })
        .then((k) => (k?.revokedAt ? k : undefined)),
    );
    await runner.stop();
    expect(project).toMatchObject({ id: projectId, organizationId: orgId, name: 'web' });
    expect(revoked).toMatchObject({ organizationId: orgId, revokedAt: new Date('2026-01-02T00:00:00Z') });
  });
});
