import { INestApplication } from '@nestjs/common';
import { headers as natsHeaders } from 'nats';
import { Principal, Reply, signRequest, Subject, subjectOn, TenancySubjects } from '@flotilla/contracts';
import { busRequester } from '@flotilla/nest-platform';
import { openTestEnvironment, TEST_KEYS, TestEnvironment } from '@flotilla/testing';
import { createOrchestrator } from '../bootstrap';
import { configFromEnv } from '../config';

/** A named service that may create projects and read them, for one organization. */
const BILLING_ORG = '0e5f1d2c-3b4a-4c5d-8e6f-7a8b9c0d1e2f';
/** A grant names whole subjects, as NATS permissions do: under the deployment's prefix. */
const billing = (prefix: string) => ({
  key: 'billing-service-key-0123456789abcdef0123',
  organizations: [BILLING_ORG],
  subjects: [`${prefix}.tenancy.cmd.create-project`, `${prefix}.tenancy.query.*`],
});

/** The bus key before the current one: this instance runs as in the middle of a rotation. */
const PREVIOUS_BUS_KEY = 'the-bus-key-before-0123456789abcdef0123';

describe('tenancy over NATS', () => {
  let app: INestApplication;
  let env: TestEnvironment;

  const request = <T>(subject: Subject, payload: unknown, organizationId?: string): Promise<Reply<T>> =>
    busRequester(env.nc, TEST_KEYS.FLOTILLA_BUS_KEY, { prefix: env.rpcPrefix })<T>(subject, payload, organizationId);

  beforeAll(async () => {
    env = await openTestEnvironment('BATCH');
    const config = configFromEnv({
      NATS_URL: process.env.NATS_URL,
      DATABASE_URL: env.db.url,
      ...TEST_KEYS,
      FLOTILLA_BUS_KEY_PREVIOUS: PREVIOUS_BUS_KEY,
    });
    app = await createOrchestrator({
      ...config,
      stream: env.stream,
      subjectPrefix: env.subjectPrefix,
      rpcPrefix: env.rpcPrefix,
      logLevel: 'error',
      bus: { ...config.bus, grants: { billing: billing(env.rpcPrefix) } },
    });
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
    const project = await request<{ id: string }>(TenancySubjects.createProject, {
      organizationId: orgId,
      name: 'web',
    });
    expect(project).toMatchObject({
      ok: true,
      data: { name: 'web', organization: { href: `/organizations/${orgId}` } },
    });
    const projectId = (project as { data: { id: string } }).data.id;
    expect(await request(TenancySubjects.getProject, { projectId })).toMatchObject({
      ok: true,
      data: { id: projectId },
    });
  });

  it('answers a bad payload with every problem listed, and writes nothing', async () => {
    const messages = async () => (await (await env.nc.jetstreamManager()).streams.info(env.stream)).state.messages;
    const before = await messages();
    const reply = await request(TenancySubjects.createProject, { organizationId: 'nope', name: 7 });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('validation_failed');
    expect(reply.error.details).toEqual(
      expect.arrayContaining(['organizationId must be a UUID', 'name must be a string']),
    );
    expect(await request(TenancySubjects.createOrganization, Buffer.from('{not json'))).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    expect(await request(TenancySubjects.createOrganization, { name: 'nul\u0000byte' })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', details: ['name contains a control character or invalid text'] },
    });
    expect(await messages()).toBe(before);
  });

  it('hides another organization: its resources answer not_found', async () => {
    const a = (await request<{ id: string }>(TenancySubjects.createOrganization, { name: 'A' })) as {
      data: { id: string };
    };
    const b = (await request<{ id: string }>(TenancySubjects.createOrganization, { name: 'B' })) as {
      data: { id: string };
    };
    const project = (await request<{ id: string }>(TenancySubjects.createProject, {
      organizationId: a.data.id,
      name: 'p',
    })) as {
      data: { id: string };
    };
    expect(await request(TenancySubjects.getProject, { projectId: project.data.id }, b.data.id)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(
      await request(TenancySubjects.createProject, { organizationId: a.data.id, name: 'q' }, b.data.id),
    ).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('answers a repeated command id with the first result', async () => {
    const first = await request<{ id: string }>(TenancySubjects.createOrganization, {
      name: 'Once',
      commandId: 'org-once',
    });
    const again = await request<{ id: string }>(TenancySubjects.createOrganization, {
      name: 'Once',
      commandId: 'org-once',
    });
    expect(again).toEqual(first);
    expect(await request(TenancySubjects.createOrganization, { name: 'Other', commandId: 'org-once' })).toMatchObject({
      ok: false,
      error: { code: 'idempotency_mismatch' },
    });
  });

  describe('trust on the bus', () => {
    const messages = async () => (await (await env.nc.jetstreamManager()).streams.info(env.stream)).state.messages;
    const raw = async (subject: Subject, payload: unknown, headers?: Record<string, string>) => {
      const h = natsHeaders();
      for (const [name, value] of Object.entries(headers ?? {})) h.set(name, value);
      return JSON.parse(
        Buffer.from(
          (
            await env.nc.request(subjectOn(env.rpcPrefix, subject), Buffer.from(JSON.stringify(payload)), {
              headers: h,
              timeout: 10_000,
            })
          ).data,
        ).toString(),
      );
    };
    const sign = (principal: object, subject: Subject, payload: unknown, key: string) =>
      signRequest(principal as Principal, subjectOn(env.rpcPrefix, subject), Buffer.from(JSON.stringify(payload)), key);
    const unauthorized = { ok: false, error: { code: 'unauthorized' } };

    it('refuses a request with no principal, a forged one, a stale one or one signed for another body, and writes nothing', async () => {
      const before = await messages();
      const body = { name: 'Evil' };
      const subject = TenancySubjects.createOrganization;
      const root = { kind: 'root', actor: 'mallory', issuedAt: Date.now() };
      expect(await raw(subject, body)).toMatchObject(unauthorized);
      expect(
        await raw(subject, body, { 'Flotilla-Organization': BILLING_ORG, 'Flotilla-Actor': 'root' }),
      ).toMatchObject(unauthorized);
      expect(await raw(subject, body, sign(root, subject, body, 'not-the-bus-key-0123456789abcdef0123'))).toMatchObject(
        unauthorized,
      );
      expect(
        await raw(
          subject,
          body,
          sign({ ...root, issuedAt: Date.now() - 10 * 60_000 }, subject, body, TEST_KEYS.FLOTILLA_BUS_KEY),
        ),
      ).toMatchObject(unauthorized);
      expect(await raw(subject, body, sign(root, subject, { name: 'Nice' }, TEST_KEYS.FLOTILLA_BUS_KEY))).toMatchObject(
        unauthorized,
      );
      expect(
        await raw(subject, body, sign(root, TenancySubjects.listProjects, body, TEST_KEYS.FLOTILLA_BUS_KEY)),
      ).toMatchObject(unauthorized);
      expect(await messages()).toBe(before);
    });

    it('takes a request signed with the previous bus key while the key is rotated', async () => {
      const body = { name: 'Signed before the rotation' };
      const subject = TenancySubjects.createOrganization;
      const root = { kind: 'root', actor: 'old-gateway', issuedAt: Date.now() };
      expect(await raw(subject, body, sign(root, subject, body, PREVIOUS_BUS_KEY))).toMatchObject({
        ok: true,
        data: { name: 'Signed before the rotation' },
      });
    });

    it('lets a named service do what its grant says, for its organizations, and nothing else', async () => {
      const org = (await request<{ id: string }>(TenancySubjects.createOrganization, {
        name: 'Billing customer',
        commandId: 'billing-org',
      })) as { data: { id: string } };
      const grant = { ...billing(env.rpcPrefix), organizations: [org.data.id] };
      const service = (organizationId: string) => ({
        kind: 'service',
        service: 'billing',
        organizationId,
        actor: 'invoicer',
        issuedAt: Date.now(),
      });
      const send = (subject: Subject, payload: unknown, organizationId = org.data.id, key = grant.key) =>
        raw(subject, payload, sign(service(organizationId), subject, payload, key));
      // The grant in this instance's configuration names BILLING_ORG; this organization is another one.
      const create = { organizationId: org.data.id, name: 'from billing' };
      expect(await send(TenancySubjects.createProject, create)).toMatchObject(unauthorized);
      const allowed = { organizationId: BILLING_ORG, name: 'from billing' };
      const created = await send(TenancySubjects.createProject, allowed, BILLING_ORG);
      // authorized, and the organization does not exist
      expect(created).toMatchObject({ ok: false, error: { code: 'not_found' } });
      expect(await send(TenancySubjects.createOrganization, { name: 'x' }, BILLING_ORG)).toMatchObject(unauthorized);
      expect(await send(TenancySubjects.createProject, allowed, BILLING_ORG, TEST_KEYS.FLOTILLA_BUS_KEY)).toMatchObject(
        unauthorized,
      );
      expect(await send(TenancySubjects.authenticate, { tokenHash: 'a'.repeat(64) }, BILLING_ORG)).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
    });
  });
});
