import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { BatchSubjects, BatchView, TenancySubjects } from '@flotilla/contracts';
import { eventually, openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import {
  createProject,
  natsRequester,
  startOrchestrator,
  testConfig,
  unwrap,
} from '../test-fixtures/orchestrator-fixture';

describe('a read model behind the log', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  let request: ReturnType<typeof natsRequester>;
  let admin: Client;

  /** New sessions of the test database refuse writes (a failover onto a standby not yet promoted), or take them. */
  const readOnly = async (on: boolean) => {
    const database = `"${env.db.name}"`;
    await admin.query(
      on
        ? `alter database ${database} set default_transaction_read_only = on`
        : `alter database ${database} reset default_transaction_read_only`,
    );
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [env.db.name]);
  };

  beforeAll(async () => {
    env = await openTestEnvironment('BEHIND');
    admin = new Client({ connectionString: env.db.url.replace(/\/[^/]*$/, '/postgres') });
    await admin.connect();
    app = await startOrchestrator(testConfig(env));
    request = natsRequester(env);
  });

  afterAll(async () => {
    await app.close();
    await admin.end();
    await env.close();
  });

  it('answers 503, not 404, for what the log has and the read model does not yet, and 404 once it has caught up', async () => {
    const { projectId, organizationId } = await createProject(request);
    let batchId = '';
    await readOnly(true);
    try {
      // The request is in the log once answered; the read model cannot apply it while Postgres refuses writes.
      const {
        batches: [queued],
      } = unwrap(
        await request<{ batches: BatchView[] }>(BatchSubjects.createBatches, {
          projectId,
          batches: [{ plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1' }],
        }),
      );
      const behind = { ok: false, error: { code: 'unavailable', message: expect.stringMatching(/is behind the log/) } };
      batchId = queued.id;
      expect(await request(BatchSubjects.getBatch, { batchId })).toMatchObject(behind);
      // Nor can a batch the read model lacks be said not to exist while it is behind.
      expect(await request(BatchSubjects.getBatch, { batchId: randomUUID() })).toMatchObject(behind);
      expect(await request(BatchSubjects.getDevice, { deviceId: randomUUID() })).toMatchObject(behind);
      // The tenancy read model has everything of its part of the log: what it lacks is not there.
      expect(await request(TenancySubjects.getProject, { projectId: randomUUID() }, organizationId)).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    } finally {
      await readOnly(false);
    }
    const batch = await eventually(
      async () => {
        const reply = await request<BatchView>(BatchSubjects.getBatch, { batchId });
        return reply.ok ? reply.data : undefined;
      },
      60_000,
      'the batch, once the read model caught up',
    );
    expect(batch.project).toEqual({ href: `/projects/${projectId}` });
    const notFound = { ok: false, error: { code: 'not_found' } };
    expect(await request(BatchSubjects.getBatch, { batchId: randomUUID() })).toMatchObject(notFound);
    expect(await request(BatchSubjects.getDevice, { deviceId: randomUUID() })).toMatchObject(notFound);
    expect(await request(TenancySubjects.getProject, { projectId: randomUUID() }, organizationId)).toMatchObject(
      notFound,
    );
  });
});
