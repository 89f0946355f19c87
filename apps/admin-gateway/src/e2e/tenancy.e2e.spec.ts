import { metricSamples } from '@flotilla/testing';
import { RunningSystem, startRunningSystem } from '../test-fixtures/running-system';

/** The first full vertical slice as a user meets it: HTTP → NATS command → event → projection → query → HTTP. */
describe('admin gateway: organizations, projects and API keys (e2e)', () => {
  let system: RunningSystem;
  let env: RunningSystem['env'];
  let rootToken: string;
  let base: string;
  const call = (...args: Parameters<RunningSystem['call']>) => system.call(...args);

  beforeAll(async () => {
    system = await startRunningSystem('E2E', { BATCH_SEED_DEMO_CATALOG: 'false' });
    ({ env, rootToken, base } = system);
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('creates an organization, a project and an API key, and the key sees only its organization', async () => {
    const org = await call('POST', '/organizations', rootToken, { name: 'Acme' });
    expect(org).toMatchObject({ status: 201, body: { name: 'Acme' } });
    expect((await call('GET', org.body.href, rootToken)).body).toEqual(org.body);
    const other = await call('POST', '/organizations', rootToken, { name: 'Other' });

    const project = await call('POST', `/organizations/${org.body.id}/projects`, rootToken, { name: 'web' });
    expect(project).toMatchObject({
      status: 201,
      body: { name: 'web', organization: { href: `/organizations/${org.body.id}` } },
    });
    expect(await call('GET', `/projects/${project.body.id}`, rootToken)).toMatchObject({
      status: 200,
      body: { id: project.body.id },
    });

    const key = await call('POST', `/organizations/${org.body.id}/api-keys`, rootToken, {});
    expect(key.status).toBe(201);
    // It names its organization, then 32 random bytes.
    expect(key.body.token).toMatch(new RegExp(`^flt_${org.body.id.replaceAll('-', '')}_[A-Za-z0-9_-]{43}$`));
    expect(await call('GET', `/projects/${project.body.id}`, key.body.token)).toMatchObject({ status: 200 });
    expect(await call('POST', `/organizations/${org.body.id}/projects`, key.body.token, { name: 'api' })).toMatchObject(
      { status: 201 },
    );

    // Listed oldest first, a page at a time, with Metal's meta.
    const projects = `/organizations/${org.body.id}/projects`;
    expect(await call('GET', `${projects}?per_page=1&page=2`, key.body.token)).toMatchObject({
      status: 200,
      body: {
        projects: [{ name: 'api' }],
        meta: { total: 2, current_page: 2, last_page: 2, previous: { href: `${projects}?page=1&per_page=1` } },
      },
    });
    expect((await call('GET', projects, key.body.token)).body.projects.map((p: { name: string }) => p.name)).toEqual([
      'web',
      'api',
    ]);
    expect((await call('GET', `${projects}?per_page=1001`, key.body.token)).status).toBe(422);

    const otherProject = await call('POST', `/organizations/${other.body.id}/projects`, rootToken, { name: 'secret' });
    expect(await call('GET', `/projects/${otherProject.body.id}`, key.body.token)).toMatchObject({
      status: 404,
      body: { errors: ['project not found'] },
    });
    expect((await call('POST', `/organizations/${other.body.id}/projects`, key.body.token, { name: 'x' })).status).toBe(
      404,
    );
    expect((await call('GET', `/organizations/${other.body.id}`, key.body.token)).status).toBe(404);
    expect((await call('GET', `/organizations/${other.body.id}/projects`, key.body.token)).status).toBe(404);
    expect((await call('POST', '/organizations', key.body.token, { name: 'nope' })).status).toBe(403);

    // The root token lists every organization, a page at a time; an API key, its own alone.
    const all = await call('GET', '/organizations?per_page=1000', rootToken);
    expect(all.status).toBe(200);
    expect(all.body.organizations.map((o: { id: string }) => o.id)).toEqual(
      expect.arrayContaining([org.body.id, other.body.id]),
    );
    expect(all.body.meta.total).toBeGreaterThanOrEqual(2);
    expect(await call('GET', '/organizations', key.body.token)).toMatchObject({
      status: 200,
      body: { organizations: [{ id: org.body.id, name: 'Acme' }], meta: { total: 1 } },
    });
  });

  it('revokes an API key: from the answer on it lets no one in, and it stays listed as revoked', async () => {
    const org = (await call('POST', '/organizations', rootToken, { name: 'Revoking' })).body;
    const other = (await call('POST', '/organizations', rootToken, { name: 'Bystander' })).body;
    const keys = `/organizations/${org.id}/api-keys`;
    const leaked = (await call('POST', keys, rootToken, { description: 'leaked' })).body;
    const kept = (await call('POST', keys, rootToken, { description: 'kept' })).body;
    const outsider = (await call('POST', `/organizations/${other.id}/api-keys`, rootToken, {})).body;
    expect((await call('GET', `/organizations/${org.id}`, leaked.token)).status).toBe(200);

    // Another organization's key sees neither the keys nor a way to revoke them.
    expect((await call('GET', keys, outsider.token)).status).toBe(404);
    expect((await call('DELETE', `${keys}/${leaked.id}`, outsider.token)).status).toBe(404);
    expect((await call('DELETE', `/organizations/${other.id}/api-keys/${leaked.id}`, outsider.token)).status).toBe(404);

    expect(await call('DELETE', `${keys}/${leaked.id}`, kept.token)).toMatchObject({ status: 204 });
    expect(await call('GET', `/organizations/${org.id}`, leaked.token)).toMatchObject({
      status: 401,
      body: { errors: ['invalid X-Auth-Token'] },
    });
    expect((await call('GET', `/organizations/${org.id}`, kept.token)).status).toBe(200);
    expect((await call('DELETE', `${keys}/${leaked.id}`, kept.token)).status).toBe(204); // again: nothing changes

    const listed = await call('GET', keys, kept.token);
    expect(listed).toMatchObject({ status: 200, body: { meta: { total: 2 } } });
    expect(listed.body.api_keys).toEqual([
      { id: leaked.id, description: 'leaked', created_at: leaked.created_at, revoked_at: expect.any(String) },
      { id: kept.id, description: 'kept', created_at: kept.created_at, revoked_at: null },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(leaked.token);
    expect((await call('DELETE', `${keys}/6f1c2f7e-8a53-4f7a-9d0e-3b8a4b7c1d01`, kept.token)).status).toBe(404);
  });

  it('answers 401 without a valid token', async () => {
    expect(await call('GET', '/projects/6f1c2f7e-8a53-4f7a-9d0e-3b8a4b7c1d01', null)).toMatchObject({
      status: 401,
      body: { errors: ['missing X-Auth-Token header'] },
    });
    expect((await call('GET', '/projects/6f1c2f7e-8a53-4f7a-9d0e-3b8a4b7c1d01', 'flt_wrong')).status).toBe(401);
  });

  it('answers 401 before it reads or looks at the body of a call without a valid token', async () => {
    const path = '/organizations';
    const unread = [
      ['a body of another type', 'name=x', { 'content-type': 'text/plain' }],
      ['a body that does not parse', '{"name":', {}],
      ['a body above the limit', JSON.stringify({ name: 'x'.repeat(600 * 1024) }), {}],
    ] as const;
    for (const token of [null, 'flt_wrong'])
      for (const [what, body, headers] of unread)
        expect({ what, token, ...(await call('POST', path, token, body, headers)) }).toMatchObject({
          what,
          token,
          status: 401,
          body: { errors: [token ? 'invalid X-Auth-Token' : 'missing X-Auth-Token header'] },
        });
    // With a valid token, the body is looked at as before.
    expect((await call('POST', path, rootToken, 'name=x', { 'content-type': 'text/plain' })).status).toBe(415);
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
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/organizations', '/projects/{id}', '/organizations/{id}/api-keys']),
    );
    expect(await fetch(`${base}/metrics`).then((r) => r.text())).toContain('process_cpu_seconds_total');
  });

  it('answers every call with X-Request-Id, the correlation of the events the call wrote', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const made = await call('POST', '/organizations', rootToken, { name: 'Traced' });
    const madeId = made.headers.get('x-request-id');
    expect(madeId).toMatch(uuid);
    const given = await call(
      'POST',
      `/organizations/${made.body.id}/projects`,
      rootToken,
      { name: 'p' },
      {
        'x-request-id': 'trace-42',
      },
    );
    expect(given.headers.get('x-request-id')).toBe('trace-42');
    // One too long to keep (or refused, or unknown) is answered with a new one.
    const long = { 'x-request-id': 'x'.repeat(129) };
    expect(
      (await call('GET', `/organizations/${made.body.id}`, rootToken, undefined, long)).headers.get('x-request-id'),
    ).toMatch(uuid);
    expect((await call('GET', '/organizations', 'flt_not_a_key')).headers.get('x-request-id')).toMatch(uuid);
    const unknown = await fetch(`${base}/no/such/route`);
    expect(unknown.headers.get('x-request-id')).toMatch(uuid);
    expect(unknown.headers.get('x-powered-by')).toBeNull();
    expect(made.headers.get('x-powered-by')).toBeNull();

    const { events } = (await call('GET', `/audit/organization/${made.body.id}`, rootToken)).body;
    expect(events.map((e: { type: string; correlation_id: string }) => [e.type, e.correlation_id])).toEqual([
      ['OrganizationCreated', madeId],
      ['ProjectCreated', 'trace-42'],
    ]);
  });

  it('counts every answer callers get, by method, route template and status, but not probes or scrapes', async () => {
    /** The samples of one metric in the gateway's /metrics, as `label=value,...` (sorted) → value. */
    const samples = async (metric: string) =>
      new Map(
        (await metricSamples(`${base}/metrics`, metric)).map(({ labels, value }) => [
          Object.entries(labels)
            .filter(([key]) => key !== 'service')
            .map(([key, label]) => `${key}=${label}`)
            .sort()
            .join(','),
          value,
        ]),
      );
    const before = await samples('flotilla_http_requests_total');
    const org = await call('POST', '/organizations', rootToken, { name: 'Counted' });
    await call('GET', `/organizations/${org.body.id}`, rootToken);
    await call('GET', `/organizations/${org.body.id}`, 'flt_not_a_key');
    await fetch(`${base}/no/such/route`, { headers: { 'x-auth-token': rootToken } }); // in no API document
    await fetch(`${base}/device/update`);
    await fetch(`${base}/health/live`);
    await fetch(`${base}/health/ready`);
    const after = await samples('flotilla_http_requests_total');
    const added = (labels: string) => (after.get(labels) ?? 0) - (before.get(labels) ?? 0);
    expect({
      created: added('method=POST,route=/organizations,status=201'),
      read: added('method=GET,route=/organizations/:id,status=200'),
      refused: added('method=GET,route=/organizations/:id,status=401'),
      unrouted: added('method=GET,route=none,status=404'),
      device: added('method=GET,route=/device/update,status=401'),
    }).toEqual({ created: 1, read: 1, refused: 1, unrouted: 1, device: 1 });
    expect([...after.keys()].filter((labels) => /health|metrics/.test(labels))).toEqual([]);
    const timed = await samples('flotilla_http_request_duration_seconds_count');
    expect(timed.get('method=GET,route=/organizations/:id')).toBeGreaterThanOrEqual(2);
  });
});
