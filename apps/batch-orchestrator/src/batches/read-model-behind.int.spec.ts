import { hash, randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { apiKeyToken, BatchSubjects, BatchView, TenancySubjects, tokenOrganization } from '@flotilla/contracts';
import { eventually, openTestEnvironment, setReadOnly, TestEnvironment } from '@flotilla/testing';
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

  const readOnly = (on: boolean) => setReadOnly(env.db, on);

  beforeAll(async () => {
    env = await openTestEnvironment('BEHIND');
    app = await startOrchestrator(testConfig(env));
    request = natsRequester(env);
  });

  afterAll(async () => {
    await app.close();
    await env.close();
  });

  it('answers 503, not 404, for what the log has and the read model does not yet, and 404 once it has caught up', async () => {
    const { projectId, organizationId } = await createProject(request);
    const device = unwrap(
      await request<{ id: string }>(BatchSubjects.createDevice, {
        projectId,
        device: { plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1' },
      }),
    );
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
      // One device awaits its placement in the read model, which has not applied its request: not a deleted batch.
      expect(
        await request(BatchSubjects.createDevice, {
          projectId,
          device: { plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1' },
        }),
      ).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      // A change answered with the device as the read model has it cannot be answered before it has the change.
      expect(await request(BatchSubjects.updateDevice, { deviceId: device.id, hostname: 'renamed' })).toMatchObject({
        ok: false,
        error: { code: 'unavailable', message: expect.stringMatching(/change is made/) },
      });
      // Nor can a batch be deleted with its devices before the read model can say which of them are locked.
      expect(await request(BatchSubjects.deleteBatch, { batchId, removeAssociatedInstances: true })).toMatchObject(
        behind,
      );
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
    expect(batch.project).toEqual({ id: projectId, href: `/projects/${projectId}` });
    await eventually(
      async () => {
        const reply = await request<{ hostname: string }>(BatchSubjects.getDevice, { deviceId: device.id });
        return reply.ok && reply.data.hostname === 'renamed';
      },
      60_000,
      'the change, once the read model caught up',
    );
    const notFound = { ok: false, error: { code: 'not_found' } };
    expect(await request(BatchSubjects.getBatch, { batchId: randomUUID() })).toMatchObject(notFound);
    expect(await request(BatchSubjects.getDevice, { deviceId: randomUUID() })).toMatchObject(notFound);
    expect(await request(TenancySubjects.getProject, { projectId: randomUUID() }, organizationId)).toMatchObject(
      notFound,
    );
  });

  it('waits, before a 404 of tenancy, only for the commits of the organization asked about', async () => {
    const behindOn = await createProject(request);
    const caughtUpOn = await createProject(request);
    const behind = { ok: false, error: { code: 'unavailable' } };
    const notFound = { ok: false, error: { code: 'not_found' } };
    const key = unwrap(
      await request<{ id: string }>(TenancySubjects.issueApiKey, { organizationId: behindOn.organizationId }),
    );
    let projectId = '';
    await readOnly(true);
    try {
      // Answered once in the log (after the 5 s wait for the read model, which cannot apply it).
      projectId = unwrap(
        await request<{ id: string }>(TenancySubjects.createProject, {
          organizationId: behindOn.organizationId,
          name: 'late',
        }),
      ).id;
      expect(await request(TenancySubjects.getProject, { projectId }, behindOn.organizationId)).toMatchObject(behind);
      // A revocation is answered only once the read model that keys are checked in has it.
      expect(
        await request(TenancySubjects.revokeApiKey, { organizationId: behindOn.organizationId, keyId: key.id }),
      ).toMatchObject(behind);
      expect(
        await request(TenancySubjects.getProject, { projectId: randomUUID() }, behindOn.organizationId),
      ).toMatchObject(behind);
      // Another organization's commits are all in the read model: its "not found" needs nothing more.
      expect(await request(TenancySubjects.getProject, { projectId }, caughtUpOn.organizationId)).toMatchObject(
        notFound,
      );
      expect(
        await request(TenancySubjects.getOrganization, { organizationId: caughtUpOn.organizationId }),
      ).toMatchObject({ ok: true });
      expect(await request(TenancySubjects.getOrganization, { organizationId: randomUUID() })).toMatchObject(notFound);
      expect(await request(TenancySubjects.getOrganization, { organizationId: behindOn.organizationId })).toMatchObject(
        { ok: true },
      );
    } finally {
      await readOnly(false);
    }
    const project = await eventually(
      async () => {
        const reply = await request<{ id: string }>(TenancySubjects.getProject, { projectId }, behindOn.organizationId);
        return reply.ok ? reply.data : undefined;
      },
      60_000,
      'the project, once the read model caught up',
    );
    expect(project.id).toBe(projectId);
    expect(
      unwrap(
        await request<{ revoked_at: string | null }>(TenancySubjects.revokeApiKey, {
          organizationId: behindOn.organizationId,
          keyId: key.id,
        }),
      ).revoked_at,
    ).toEqual(expect.any(String));
  });

  it('answers a key issued while the read model is behind as unavailable until it has the key, never unauthorized', async () => {
    const { organizationId } = await createProject(request);
    const other = await createProject(request);
    // As the gateway asks: the token's hash, and the organization the token names.
    const authenticate = (token: string) =>
      request<{ organizationId: string }>(TenancySubjects.authenticate, {
        tokenHash: hash('sha256', token),
        tokenOrganizationId: tokenOrganization(token),
      });
    const unauthorized = { ok: false, error: { code: 'unauthorized' } };
    let token = '';
    await readOnly(true);
    try {
      // Answered once in the log (after the 5 s wait for the read model, which cannot apply it).
      token = unwrap(await request<{ token: string }>(TenancySubjects.issueApiKey, { organizationId })).token;
      expect(await authenticate(token)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      // The read model holds every commit of the other organization, and a token naming none is not waited for.
      expect(await authenticate(apiKeyToken(other.organizationId, 'no-such-key'))).toMatchObject(unauthorized);
      expect(await authenticate('flt_no_such_key')).toMatchObject(unauthorized);
    } finally {
      await readOnly(false);
    }
    const key = await eventually(
      async () => {
        const reply = await authenticate(token);
        return reply.ok ? reply.data : undefined;
      },
      60_000,
      'the key, once the read model caught up',
    );
    expect(key.organizationId).toBe(organizationId);
  });
});
