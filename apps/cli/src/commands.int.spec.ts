import { openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { CliContext } from './cli-context';
import { audit, migrate, rebuild, replay, timeTravel } from './commands';

describe('operator commands', () => {
  let env: TestEnvironment;
  let context: CliContext;
  const orgId = '6f1c2f7e-8a53-4f7a-9d0e-3b8a4b7c1d01';
  let firstSeq: number;

  beforeAll(async () => {
    env = await openTestEnvironment('CLI');
    context = new CliContext({ natsUrl: process.env.NATS_URL as string, databaseUrl: env.db.url, stream: env.stream, subjectPrefix: env.subjectPrefix, databaseSchema: 'cli_test' });
    const store = await context.store();
    const subject = store.subjectFor('organization', orgId);
    const created = await store.append(subject, [{ type: 'OrganizationCreated', data: { organizationId: orgId, name: 'Acme', createdAt: '2026-01-01T00:00:00Z' } }], {
      expectedVersion: 0,
      metadata: { actor: 'root' },
    });
    firstSeq = created.commit.streamSeq;
    await store.append(subject, [{ type: 'ProjectCreated', data: { organizationId: orgId, projectId: '0b7e3f52-1c9d-4a6e-8f21-5d4c3b2a1908', name: 'web', createdAt: '2026-01-02T00:00:00Z' } }], {
      expectedVersion: firstSeq,
      metadata: { actor: 'api-key:k1' },
    });
  });

  afterAll(async () => {
    await context.close();
    await env.close();
  });

  it('replays every event in order as JSON lines', async () => {
    const lines: string[] = [];
    expect(await replay(context, { fromSeq: 1 }, (l) => lines.push(l))).toBe(2);
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(['OrganizationCreated', 'ProjectCreated']);
  });

  it('shows an aggregate’s audit trail with who did what', async () => {
    const lines: string[] = [];
    await audit(context, 'organization', orgId, (l) => lines.push(l));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('api-key:k1');
    expect(lines[1]).toContain('ProjectCreated');
  });

  it('shows an aggregate as it was at an earlier sequence', async () => {
    expect(await timeTravel(context, 'organization', orgId, { seq: firstSeq })).toMatchObject({ status: 'active', name: 'Acme', projectNames: [] });
    expect(await timeTravel(context, 'organization', orgId, {})).toMatchObject({ projectNames: ['web'] });
  });

  it('migrates and rebuilds the tenancy read model from the log', async () => {
    expect(await migrate(context)).toHaveLength(3);
    const progress: number[] = [];
    expect(await rebuild(context, 'tenancy', (p) => progress.push(p))).toBe(firstSeq + 1);
    const rows = await (await context.database()).query('select name from cli_test.projects');
    expect(rows).toEqual([{ name: 'web' }]);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('rebuilds the batch read model (catalog, capacity) from the log', async () => {
    const store = await context.store();
    const metadata = { actor: 'root' };
    await store.append(store.subjectFor('catalog', 'global'), [{ type: 'FacilityDefined', data: { code: 'ewr1', name: 'Parsippany' } }], { expectedVersion: 0, metadata });
    const plan = 'c3.small.x86';
    await store.append(store.subjectFor('capacity', plan), [{ type: 'CapacityTotalSet', data: { plan, facility: 'ewr1', total: 12 } }], { expectedVersion: 0, metadata });
    const last = await store.lastSequence();
    expect(await rebuild(context, 'batches', () => undefined)).toBe(last);
    const database = await context.database();
    expect(await database.query('select code from cli_test.facilities')).toEqual([{ code: 'ewr1' }]);
    expect(await database.query('select facility, plan, total, held, reserved from cli_test.capacity')).toEqual([{ facility: 'ewr1', plan, total: 12, held: 0, reserved: 0 }]);
  });
});
