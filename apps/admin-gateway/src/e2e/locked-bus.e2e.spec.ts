import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { connect, NatsConnection } from 'nats';
import {
  BatchSubjects,
  DefaultSubjectPrefix,
  hashCredential,
  ResolveManyPart,
  subjectOn,
  TenancySubjects,
  UpdateSubjects,
} from '@flotilla/contracts';
import { busRequest, busRequester, busRequestParts } from '@flotilla/nest-platform';
import {
  createTestDatabase,
  eventually,
  freeLoopbackPort,
  LocalServer,
  ServiceProcess,
  startLocalNats,
  startServiceProcess,
  TEST_KEYS,
  TestDatabase,
  waitForHttp,
} from '@flotilla/testing';

const ROOT = path.resolve(__dirname, '../../../..');
/** As deploy/README.md makes them: nats-server reads a password from its environment as a bare word. */
const password = () => `p${randomBytes(24).toString('hex')}`;

/**
 * The services on a nats-server with the authorization of deploy/kubernetes/nats-auth.conf: each logs in as its own
 * user, and the bus refuses anonymous clients, forged principals, and users acting outside their permissions.
 */
describe('a locked bus (e2e)', () => {
  const passwords = {
    NATS_GATEWAY_PASSWORD: password(),
    NATS_ORCHESTRATOR_PASSWORD: password(),
    NATS_RESOLVER_PASSWORD: password(),
    NATS_OPERATOR_PASSWORD: password(),
    NATS_BILLING_PASSWORD: password(),
  };
  const billingKey = randomBytes(32).toString('base64url');
  let nats: LocalServer;
  let db: TestDatabase;
  let base: string;
  const processes: ServiceProcess[] = [];
  const clients: NatsConnection[] = [];
  const login = async (user: string, pass: string) => {
    const nc = await connect({ servers: nats.url, user, pass, inboxPrefix: `_INBOX.${user}`, reconnect: false });
    clients.push(nc);
    return nc;
  };
  const callAt = async (
    gateway: string,
    method: string,
    route: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${gateway}${route}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  };
  const call = (method: string, route: string, token: string, body?: unknown) =>
    callAt(base, method, route, token, body);

  /** Starts an app on the locked bus; resolves with its port once it is ready. */
  const start = async (app: string, env: Record<string, string>, readyPath: string, portVar: string) => {
    const port = await freeLoopbackPort();
    const service = startServiceProcess(`apps/${app}/src/main.ts`, {
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      ...env,
      [portVar]: String(port),
    });
    processes.push(service);
    await waitForHttp(`http://127.0.0.1:${port}${readyPath}`, service);
    return { port, service };
  };
  /** The bus key before the current one: the services run as in the middle of a rotation (deploy/README.md). */
  const previousBusKey = 'the-bus-key-before-the-rotation-0123456789';
  const gatewayEnv = {
    NATS_USER: 'admin-gateway',
    NATS_PASSWORD: passwords.NATS_GATEWAY_PASSWORD,
    FLOTILLA_ADMIN_TOKEN: TEST_KEYS.FLOTILLA_BUS_KEY,
  };

  /** Another gateway on the same bus, signing with `busKey`. */
  const startGateway = async (busKey: string) => {
    const { port, service } = await start(
      'admin-gateway',
      { ...gatewayEnv, FLOTILLA_BUS_KEY: busKey },
      '/health/ready',
      'PORT',
    );
    return { base: `http://127.0.0.1:${port}`, service };
  };

  beforeAll(async () => {
    nats = await startLocalNats({
      config: fs.readFileSync(path.join(ROOT, 'deploy/kubernetes/nats-auth.conf'), 'utf8'),
      env: passwords,
    });
    db = await createTestDatabase();
    const grants = JSON.stringify({
      billing: { key: billingKey, organizations: '*', subjects: ['fleet.batch.cmd.create', 'fleet.batch.query.>'] },
    });
    await start(
      'batch-orchestrator',
      {
        NATS_USER: 'batch-orchestrator',
        NATS_PASSWORD: passwords.NATS_ORCHESTRATOR_PASSWORD,
        FLOTILLA_BUS_GRANTS: grants,
        FLOTILLA_BUS_KEY_PREVIOUS: previousBusKey,
      },
      '/health/ready',
      'HEALTH_PORT',
    );
    await start(
      'update-resolver',
      {
        NATS_USER: 'update-resolver',
        NATS_PASSWORD: passwords.NATS_RESOLVER_PASSWORD,
        FLOTILLA_BUS_KEY_PREVIOUS: previousBusKey,
      },
      '/health/ready',
      'HEALTH_PORT',
    );
    base = (await startGateway(TEST_KEYS.FLOTILLA_BUS_KEY)).base;
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await Promise.all(processes.map((p) => p.stop()));
    await nats?.destroy();
    await db?.drop();
  });

  it('works end to end with every service logged in as its own user', async () => {
    const organizationId = (await call('POST', '/organizations', TEST_KEYS.FLOTILLA_BUS_KEY, { name: 'Locked' })).body
      .id;
    const projectId = (
      await call('POST', `/organizations/${organizationId}/projects`, TEST_KEYS.FLOTILLA_BUS_KEY, { name: 'p' })
    ).body.id;
    const key = (await call('POST', `/organizations/${organizationId}/api-keys`, TEST_KEYS.FLOTILLA_BUS_KEY, {})).body
      .token;
    const created = await call('POST', `/projects/${projectId}/devices/batch`, key, {
      batches: [{ plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1' }],
    });
    expect(created.status).toBe(201);
    const batch = await eventually(
      async () => {
        const answer = await call('GET', `/batches/${created.body.batches[0].id}?include=devices`, key);
        return answer.body.state === 'completed' ? answer.body : undefined;
      },
      30_000,
      'batch completed',
    );
    // The resolver reads the orchestrator's stream with its own, read-only, permissions.
    await eventually(
      async () =>
        (await call('GET', `/orgs/${organizationId}/products/c3.medium.x86/devices/${batch.devices[0].id}`, key))
          .status === 200,
      30_000,
      'device registered',
    );
    // Device checks sent together are answered in parts (a refusal at once, a first firmware report after its
    // append): every part is a response the resolver's user may publish.
    const products = `/orgs/${organizationId}/products/c3.medium.x86`;
    const firmware = { uuid: randomUUID(), version: '1.0.0', architecture: 'x86_64', platform: 'metal' };
    expect(
      (await call('POST', `${products}/firmwares`, key, { firmware: { ...firmware, artifact_url: 'https://x/1.img' } }))
        .status,
    ).toBe(201);
    const { credential } = (await call('GET', `${products}/devices/${batch.devices[0].id}/credential`, key)).body;
    const headers = { ...firmware, product: 'c3.medium.x86' };
    const parts: number[][] = [];
    await busRequestParts<ResolveManyPart>(
      await login('admin-gateway', passwords.NATS_GATEWAY_PASSWORD),
      subjectOn(DefaultSubjectPrefix, UpdateSubjects.resolveMany),
      {
        checks: [hashCredential(credential), hashCredential('nope')].map((credentialHash) => ({
          credentialHash,
          headers,
        })),
      },
      { principal: { kind: 'root', actor: 'admin-gateway' }, key: TEST_KEYS.FLOTILLA_BUS_KEY },
      (reply) => parts.push(reply.ok ? reply.data.answers.map((a) => a.check) : []) > 0 && parts.flat().length === 2,
    );
    expect(parts).toEqual([[1], [0]]);
    // Root names any organization: the resolver looks it up in the orchestrator's log, with the same permissions.
    const createProduct = (org: string) =>
      call('POST', `/orgs/${org}/products`, TEST_KEYS.FLOTILLA_BUS_KEY, { product: { name: 'by-root' } });
    expect((await createProduct(organizationId)).status).toBe(201);
    expect((await createProduct(randomUUID())).status).toBe(404);

    // A named service sends a command it is granted, with its own identity, under its own NATS user.
    const billing = await login('billing', passwords.NATS_BILLING_PASSWORD);
    const reply = await busRequest<{ batches: { id: string }[] }>(
      billing,
      subjectOn(DefaultSubjectPrefix, BatchSubjects.createBatches),
      { projectId, batches: [{ plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'any' }] },
      {
        principal: { kind: 'service', service: 'billing', organizationId, actor: 'nightly' },
        key: billingKey,
      },
    );
    expect(reply.ok).toBe(true);
  });

  it('refuses an anonymous client', async () => {
    await expect(connect({ servers: nats.url, reconnect: false })).rejects.toMatchObject({
      code: 'AUTHORIZATION_VIOLATION',
    });
  });

  it("answers a forged or missing principal with unauthorized, even from the gateway's own user, and changes nothing", async () => {
    const gateway = await login('admin-gateway', passwords.NATS_GATEWAY_PASSWORD);
    const jsm = await (await login('flotilla-cli', passwords.NATS_OPERATOR_PASSWORD)).jetstreamManager();
    const before = (await jsm.streams.info('BATCH_EVENTS')).state.messages;
    const forged = busRequester(gateway, 'not-the-bus-key-but-just-as-long-0123456789', {
      prefix: DefaultSubjectPrefix,
      actor: 'mallory',
    });
    expect(await forged(TenancySubjects.createOrganization, { name: 'Evil' })).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    const bare = JSON.parse(
      (
        await gateway.request(
          subjectOn(DefaultSubjectPrefix, TenancySubjects.createOrganization),
          Buffer.from('{"name":"Evil"}'),
          { timeout: 5_000 },
        )
      ).string(),
    );
    expect(bare).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect((await jsm.streams.info('BATCH_EVENTS')).state.messages).toBe(before);
  });

  it("refuses a publish outside a user's permissions: no one writes another service's log or sends what it may not", async () => {
    const resolver = await login('update-resolver', passwords.NATS_RESOLVER_PASSWORD);
    await expect(
      resolver.jetstream().publish('evt.batch.device.x', Buffer.from('{}'), { timeout: 3_000 }),
    ).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
    await expect((await resolver.jetstreamManager()).streams.delete('BATCH_EVENTS')).rejects.toMatchObject({
      code: 'PERMISSIONS_VIOLATION',
    });
    const billing = await login('billing', passwords.NATS_BILLING_PASSWORD);
    const signed = busRequester(billing, billingKey, { prefix: DefaultSubjectPrefix });
    await expect(signed(TenancySubjects.createOrganization, { name: 'x' })).rejects.toMatchObject({
      code: 'PERMISSIONS_VIOLATION',
    });
    const operator = await login('flotilla-cli', passwords.NATS_OPERATOR_PASSWORD);
    await expect(
      operator.jetstream().publish('evt.update.device.x', Buffer.from('{}'), { timeout: 3_000 }),
    ).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION' });
  });

  it('serves through a gateway still on the previous bus key while the services take both', async () => {
    const old = (await startGateway(previousBusKey)).base;
    const created = await callAt(old, 'POST', '/organizations', TEST_KEYS.FLOTILLA_BUS_KEY, { name: 'Rotating' });
    expect(created.status).toBe(201);
    // The resolver took the principal and judged the credential itself: a device with a bad one is told so.
    const check = await fetch(`${old}/device/update`, {
      headers: { authorization: 'Bearer dev_whatever', 'x-peridio-uuid': '0a0a0a0a-0000-4000-8000-000000000001' },
    });
    expect(check.status).toBe(401);
  });

  it("answers 503 and says why in its log, never 401, when its bus key is not the services' (nor their clock)", async () => {
    const { base: other, service } = await startGateway('a-bus-key-the-services-do-not-hold-0123456789');
    // The root token: the orchestrator refuses the principal the gateway signed for it.
    const admin = await callAt(other, 'POST', '/organizations', TEST_KEYS.FLOTILLA_BUS_KEY, { name: 'Refused' });
    expect(admin).toEqual({ status: 503, body: { errors: ['service unavailable: it refused the gateway'] } });
    // A device is not told its credential is bad (it might throw it away): it is told to come back later.
    const check = await fetch(`${other}/device/update`, { headers: { authorization: 'Bearer dev_whatever' } });
    expect(check.status).toBe(503);
    expect(Number(check.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await eventually(
      async () => /refused the principal the gateway signed.*FLOTILLA_BUS_KEY/.test(service.output()),
      5_000,
      'logged',
    );
    expect(service.output()).not.toContain('a-bus-key-the-services-do-not-hold');
  });
});
