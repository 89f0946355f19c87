import { freeLoopbackPort, openTestEnvironment, ServiceProcess, startServiceProcess, TestEnvironment, uniqueName, waitForHttp } from '@flotilla/testing';

/** The first full vertical slice as a user meets it: HTTP → NATS command → event → projection → query → HTTP. */
describe('admin gateway: organizations, projects and API keys (e2e)', () => {
  const rootToken = `root-${uniqueName('t')}`;
  let env: TestEnvironment;
  let orchestrator: ServiceProcess;
  let gateway: ServiceProcess;
  let base: string;

  const call = async (method: string, path: string, token: string | null, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    env = await openTestEnvironment('E2E');
    const [gatewayPort, healthPort] = await Promise.all([freeLoopbackPort(), freeLoopbackPort()]);
    const natsUrl = process.env.NATS_URL as string;
    orchestrator = startServiceProcess('apps/batch-orchestrator/src/main.ts', {
      NATS_URL: natsUrl,
      DATABASE_URL: env.db.url,
      BATCH_STREAM: env.stream,
      BATCH_SUBJECT_PREFIX: env.subjectPrefix,
      HEALTH_PORT: String(healthPort),
    });
    gateway = startServiceProcess('apps/admin-gateway/src/main.ts', { NATS_URL: natsUrl, PORT: String(gatewayPort), FLOTILLA_ADMIN_TOKEN: rootToken });
    base = `http://127.0.0.1:${gatewayPort}`;
    await waitForHttp(`http://127.0.0.1:${healthPort}/health/ready`, orchestrator);
    await waitForHttp(`${base}/health/ready`, gateway);
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), orchestrator?.stop()]);
    await env.close();
  });

  it('creates an organization, a project and an API key, and the key sees only its organization', async () => {
    const org = await call('POST', '/organizations', rootToken, { name: 'Acme' });
    expect(org).toMatchObject({ status: 201, body: { name: 'Acme' } });
    const other = await call('POST', '/organizations', rootToken, { name: 'Other' });

    const project = await call('POST', `/organizations/${org.body.id}/projects`, rootToken, { name: 'web' });
    expect(project).toMatchObject({ status: 201, body: { name: 'web', organization: { href: `/organizations/${org.body.id}` } } });
    expect(await call('GET', `/projects/${project.body.id}`, rootToken)).toMatchObject({ status: 200, body: { id: project.body.id } });

    const key = await call('POST', `/organizations/${org.body.id}/api-keys`, rootToken, {});
    expect(key.status).toBe(201);
    expect(key.body.token).toMatch(/^flt_/);
    expect(await call('GET', `/projects/${project.body.id}`, key.body.token)).toMatchObject({ status: 200 });
    expect(await call('POST', `/organizations/${org.body.id}/projects`, key.body.token, { name: 'api' })).toMatchObject({ status: 201 });

    const otherProject = await call('POST', `/organizations/${other.body.id}/projects`, rootToken, { name: 'secret' });
    expect(await call('GET', `/projects/${otherProject.body.id}`, key.body.token)).toEqual({ status: 404, body: { errors: ['project not found'] } });
    expect((await call('POST', `/organizations/${other.body.id}/projects`, key.body.token, { name: 'x' })).status).toBe(404);
    expect((await call('GET', `/organizations/${other.body.id}`, key.body.token)).status).toBe(404);
    expect((await call('POST', '/organizations', key.body.token, { name: 'nope' })).status).toBe(403);
  });

  it('answers 401 without a valid token', async () => {
    expect(await call('GET', '/projects/6f1c2f7e-8a53-4f7a-9d0e-3b8a4b7c1d01', null)).toEqual({
      status: 401,
      body: { errors: ['missing X-Auth-Token header'] },
    });
    expect((await call('GET', '/projects/6f1c2f7e-8a53-4f7a-9d0e-3b8a4b7c1d01', 'flt_wrong')).status).toBe(401);
  });

  it('answers 422 listing every problem for bad input, and writes nothing', async () => {
    const messages = async () => (await (await env.nc.jetstreamManager()).streams.info(env.stream)).state.messages;
    const before = await messages();
    expect(await call('POST', '/organizations', rootToken, { name: 42 })).toMatchObject({
      status: 422,
      body: { errors: expect.arrayContaining(['name must be a string']) },
    });
    expect((await call('POST', '/organizations', rootToken, '{"name":')).status).toBe(422);
    expect(await messages()).toBe(before);
  });

  it('serves its OpenAPI document and metrics', async () => {
    const openapi = (await fetch(`${base}/openapi.json`).then((r) => r.json())) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/organizations', '/projects/{id}', '/organizations/{id}/api-keys']));
    expect(await fetch(`${base}/metrics`).then((r) => r.text())).toContain('process_cpu_seconds_total');
  });
});
