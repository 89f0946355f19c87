import { INestApplication } from '@nestjs/common';
import { headers as natsHeaders } from 'nats';
import { Reply, RequestHeaders, TenancySubjects } from '@flotilla/contracts';
import { JsonLogger } from '@flotilla/nest-platform';
import { openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { createOrchestrator } from '../bootstrap';
import { configFromEnv } from '../config';

describe('tenancy over NATS', () => {
  let app: INestApplication;
  let env: TestEnvironment;

  async function request<T>(subject: string, payload: unknown, organizationId?: string): Promise<Reply<T>> {
    const h = natsHeaders();
    h.set(RequestHeaders.actor, 'test');
    if (organizationId) h.set(RequestHeaders.organization, organizationId);
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const reply = await env.nc.request(subject, Buffer.from(body), { timeout: 10_000, headers: h });
    return JSON.parse(Buffer.from(reply.data).toString('utf8'));
  }

  beforeAll(async () => {
    env = await openTestEnvironment('BATCH');
    // Services share fleet.* subjects: tools/test.js runs projects' tests one at a time so only this one answers.
    app = await createOrchestrator(
      { ...configFromEnv({ NATS_URL: process.env.NATS_URL, DATABASE_URL: env.db.url }), stream: env.stream, subjectPrefix: env.subjectPrefix },
      new JsonLogger('batch-orchestrator', ['error']),
    );
    await app.init();
  });

  afterAll(async () => {
    await app.close();
    await env.close();
  });

  it('creates an organization and a project and reads the project back', async () => {
    const org = await request<{ id: string; name: string }>(TenancySubjects.createOrganization, { name: ' Acme ' });
    expect(org).toMatchObject({ ok: true, data: { name: 'Acme' } });
    const orgId = (org as { data: { id: string } }).data.id;
    const project = await request<{ id: string }>(TenancySubjects.createProject, { organizationId: orgId, name: 'web' });
    expect(project).toMatchObject({ ok: true, data: { name: 'web', organization: { href: `/organizations/${orgId}` } } });
    const projectId = (project as { data: { id: string } }).data.id;
    expect(await request(TenancySubjects.getProject, { projectId })).toMatchObject({ ok: true, data: { id: projectId } });
  });

  it('answers a bad payload with every problem listed, and writes nothing', async () => {
    const messages = async () => (await (await env.nc.jetstreamManager()).streams.info(env.stream)).state.messages;
    const before = await messages();
    const reply = await request(TenancySubjects.createProject, { organizationId: 'nope', name: 7 });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('validation_failed');
    expect(reply.error.details).toEqual(expect.arrayContaining(['organizationId must be a UUID', 'name must be a string']));
    expect(await request(TenancySubjects.createOrganization, '{not json')).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await messages()).toBe(before);
  });

  it('hides another organization: its resources answer not_found', async () => {
    const a = (await request<{ id: string }>(TenancySubjects.createOrganization, { name: 'A' })) as { data: { id: string } };
    const b = (await request<{ id: string }>(TenancySubjects.createOrganization, { name: 'B' })) as { data: { id: string } };
    const project = (await request<{ id: string }>(TenancySubjects.createProject, { organizationId: a.data.id, name: 'p' })) as {
      data: { id: string };
    };
    expect(await request(TenancySubjects.getProject, { projectId: project.data.id }, b.data.id)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await request(TenancySubjects.createProject, { organizationId: a.data.id, name: 'q' }, b.data.id)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('answers a repeated command id with the first result', async () => {
    const first = await request<{ id: string }>(TenancySubjects.createOrganization, { name: 'Once', commandId: 'org-once' });
    const again = await request<{ id: string }>(TenancySubjects.createOrganization, { name: 'Once', commandId: 'org-once' });
    expect(again).toEqual(first);
    expect(await request(TenancySubjects.createOrganization, { name: 'Other', commandId: 'org-once' })).toMatchObject({
      ok: false,
      error: { code: 'idempotency_mismatch' },
    });
  });
});
