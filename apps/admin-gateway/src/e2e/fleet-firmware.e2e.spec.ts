import { Client } from 'pg';
import { consumerCaughtUp, eventually } from '@flotilla/testing';
import { RunningSystem, startRunningSystem } from '../test-fixtures/running-system';

const CURRENT = '0a0a0a0a-0000-4000-8000-000000000001';
const TARGET = '0a0a0a0a-0000-4000-8000-000000000002';

/** The two services together, as users meet them: servers deployed by batch get firmware by deployment. */
describe('fleet to firmware (e2e)', () => {
  let system: RunningSystem;
  let key: string;
  let organizationId: string;
  let projectId: string;

  beforeAll(async () => {
    system = await startRunningSystem('E2EF', {}, { withResolver: true });
    organizationId = (await system.call('POST', '/organizations', system.rootToken, { name: 'Acme' })).body.id;
    projectId = (
      await system.call('POST', `/organizations/${organizationId}/projects`, system.rootToken, { name: 'edge' })
    ).body.id;
    key = (await system.call('POST', `/organizations/${organizationId}/api-keys`, system.rootToken, {})).body.token;
  });

  afterAll(async () => {
    await system?.stop();
  });

  /** Deploys one batch item and waits until the batch is completed; the batch with its devices. */
  async function completedBatch(item: Record<string, unknown>) {
    const created = await system.call('POST', `/projects/${projectId}/devices/batch`, key, { batches: [item] });
    return eventually(
      async () => {
        const answer = await system.call('GET', `/batches/${created.body.batches[0].id}?include=devices`, key);
        return answer.body.state === 'completed' ? answer.body : undefined;
      },
      20_000,
      'batch completed',
    );
  }

  /** Waits until the resolvers' fleet wiring has read and handled the whole batch log. */
  const fleetWiringCaughtUp = () => consumerCaughtUp(system.env.nc, system.env.stream, 'update_resolver_fleet_wiring');

  it('deploys a batch, targets its facility with a deployment, and a new server checking in gets the firmware', async () => {
    const batch = await completedBatch({
      plan: 'c3.medium.x86',
      operating_system: 'debian_12',
      facility: 'sjc1',
      quantity: 2,
      tags: ['edge'],
    });
    const deviceId: string = batch.devices[0].id;
    const products = `/orgs/${organizationId}/products/c3.medium.x86`;
    const device = await eventually(
      async () => {
        const answer = await system.call('GET', `${products}/devices/${deviceId}`, key);
        return answer.status === 200 ? answer.body.device : undefined;
      },
      20_000,
      'device registered by the resolver',
    );
    expect(device.tags).toEqual(
      expect.arrayContaining(['edge', 'facility:sjc1', 'plan:c3.medium.x86', `project:${projectId}`]),
    );

    for (const [uuid, version] of [
      [CURRENT, '1.0.0'],
      [TARGET, '1.1.0'],
    ]) {
      const firmware = await system.call('POST', `${products}/firmwares`, key, {
        firmware: {
          uuid,
          version,
          architecture: 'x86_64',
          platform: 'metal',
          artifact_url: `https://firmware.example.com/${version}.img`,
        },
      });
      expect(firmware.status).toBe(201);
    }
    const deployment = await system.call('POST', `${products}/deployments`, key, {
      deployment: {
        name: 'sjc1-rollout',
        firmware: TARGET,
        conditions: { tags: ['facility:sjc1'], version: '~> 1.0' },
        is_active: false,
      },
    });
    expect(deployment).toMatchObject({
      status: 201,
      body: { deployment: { is_active: false, device_failure_threshold: 3, failure_rate: 5 } },
    });
    expect(
      (await system.call('PUT', `${products}/deployments/sjc1-rollout`, key, { deployment: { is_active: true } })).body
        .deployment.is_active,
    ).toBe(true);

    const { credential } = (await system.call('GET', `${products}/devices/${deviceId}/credential`, key)).body;
    expect(credential).toMatch(/^dev_/);
    expect((await system.call('GET', `${products}/devices/${deviceId}/credential`, key)).status).toBe(409); // once only
    const headers = {
      authorization: `Bearer ${credential}`,
      'x-peridio-uuid': CURRENT,
      'x-peridio-product': 'c3.medium.x86',
      'x-peridio-version': '1.0.0',
      'x-peridio-architecture': 'x86_64',
      'x-peridio-platform': 'metal',
    };
    const check = await system.call('GET', '/device/update', null, undefined, {
      ...headers,
      'x-request-id': 'check-7',
    });
    expect(check.headers.get('x-request-id')).toBe('check-7');
    expect(check).toMatchObject({
      status: 200,
      body: {
        data: { update_available: true, firmware_meta: { uuid: TARGET, version: '1.1.0' }, deployment_id: null },
      },
    });
    expect(check.body.data.firmware_url).toMatch(
      /^https:\/\/firmware\.example\.com\/1\.1\.0\.img\?expires=\d+&signature=[0-9a-f]{64}$/,
    );
    const preflight = await system.call('GET', '/device/update?preflight=true', null, undefined, headers);
    expect(preflight.body.data).toMatchObject({ update_available: true, firmware_url: null });
    expect(preflight.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // The attempt the check wrote carries its request id: a device's support ticket that quotes it can be followed.
    const history = (await system.call('GET', `/audit/update-device/${deviceId}`, key)).body.events;
    expect(history.map((e: { type: string; correlation_id: string }) => [e.type, e.correlation_id])).toContainEqual([
      'UpdateRequested',
      'check-7',
    ]);

    expect(
      (await system.call('GET', '/device/update', null, undefined, { ...headers, authorization: 'Bearer nope' }))
        .status,
    ).toBe(401);
    expect(
      (await system.call('GET', '/device/update', null, undefined, { authorization: headers.authorization })).status,
    ).toBe(422);
    expect((await system.call('GET', '/device/update?preflight=maybe', null, undefined, headers)).status).toBe(422);
    // Served ahead of Express, matched as Express matched it; anything else on the path is Express's (404).
    const again = await fetch(`${system.base}/Device/Update/?preflight=true`, { headers });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ data: { update_available: true } });
    expect((await fetch(`${system.base}/device/update`, { method: 'POST', headers })).status).toBe(404);
    // HEAD is safe: answered as a preflight (same status), never recorded as an attempt; nor is a preflight spelled
    // as clients spell a flag.
    const attempts = async () =>
      (await system.call('GET', `/audit/update-device/${deviceId}`, key)).body.events.filter(
        (e: { type: string }) => e.type === 'UpdateRequested',
      ).length;
    const before = await attempts();
    const head = await fetch(`${system.base}/device/update`, { method: 'HEAD', headers });
    expect([head.status, head.headers.get('content-type'), await head.text()]).toEqual([
      200,
      'application/json; charset=utf-8',
      '',
    ]);
    expect((await fetch(`${system.base}/device/update`, { method: 'HEAD' })).status).toBe(401);
    for (const spelled of ['True', '1'])
      expect(
        (await system.call('GET', `/device/update?preflight=${spelled}`, null, undefined, headers)).body.data,
      ).toMatchObject({ update_available: true, firmware_url: null });
    await system.call('GET', '/device/update', null, undefined, headers);
    expect(await attempts()).toBe(before + 1);
    // Checks that arrive together go to the resolver together; each is answered as it would be alone.
    const together = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const given = [
          headers,
          { ...headers, authorization: `Bearer nope-${i}` },
          { authorization: headers.authorization },
        ];
        const answer = await fetch(`${system.base}/device/update?preflight=true`, { headers: given[i % 3] });
        const body = (await answer.json()) as { data?: { update_available: boolean } };
        return [i % 3, answer.status, body.data?.update_available] as const;
      }),
    );
    expect(new Set(together.map((answer) => JSON.stringify(answer)))).toEqual(
      new Set([
        JSON.stringify([0, 200, true]),
        JSON.stringify([1, 401, undefined]),
        JSON.stringify([2, 422, undefined]),
      ]),
    );
    expect(await attempts()).toBe(before + 1); // preflights all

    const explanation = await system.call('GET', `${products}/devices/${deviceId}/update-explanation`, key);
    expect(explanation.body.explanation).toMatchObject({
      chosen: deployment.body.deployment.id,
      reason: 'the only eligible deployment',
      deployments: [{ deployment_id: deployment.body.deployment.id, eligible: true }],
    });
  });

  it('a device quarantined by the resolver shows as quarantined in the batch API; a deleted server is retired for good', async () => {
    const batch = await completedBatch({ plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'dfw1' });
    const deviceId: string = batch.devices[0].id;
    const path = `/orgs/${organizationId}/products/c3.medium.x86/devices/${deviceId}`;
    await eventually(async () => (await system.call('GET', path, key)).status === 200, 20_000, 'registered');
    // A device of the firmware side's own naming, quarantined first: the batch side's flags take it in their stride.
    expect(
      (
        await system.call('POST', `/orgs/${organizationId}/products/c3.medium.x86/devices`, key, {
          device: { identifier: 'dev-x', tags: [] },
        })
      ).status,
    ).toBe(201);
    expect(
      (await system.call('POST', `/orgs/${organizationId}/products/c3.medium.x86/devices/dev-x/quarantine`, key)).body
        .device.quarantined,
    ).toBe(true);
    expect((await system.call('POST', `${path}/quarantine`, key)).body.device.quarantined).toBe(true);
    await eventually(
      async () => (await system.call('GET', `/devices/${deviceId}`, key)).body.quarantined === true,
      20_000,
      'quarantine seen by the batch API',
    );
    const pg = new Client({ connectionString: system.env.db.url });
    await pg.connect();
    const flags = (
      await pg.query(
        `select identifier from batch_orchestrator.device_quarantine where quarantined order by identifier`,
      )
    ).rows.map((r) => r.identifier);
    const parked = (await pg.query('select count(*)::int as n from batch_orchestrator.parked_commits')).rows[0].n;
    await pg.end();
    expect(flags).toEqual(expect.arrayContaining(['dev-x', deviceId]));
    expect(parked).toBe(0);

    expect((await system.call('DELETE', `/devices/${deviceId}`, key)).status).toBe(204);
    await eventually(async () => (await system.call('GET', path, key)).status === 404, 20_000, 'retired');

    // The resolver restarts, and (as if its consumer of the batch log were lost) reads that log from the start.
    await Promise.all(system.resolvers.splice(0).map((r) => r.stop('SIGKILL')));
    await (await system.env.nc.jetstreamManager()).consumers.delete(system.env.stream, 'update_resolver_fleet_wiring');
    await system.startResolver();
    await fleetWiringCaughtUp();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await system.call('GET', path, key)).status).toBe(404);
  });

  it('a server provisioned and deleted while no resolver runs is never registered', async () => {
    await Promise.all(system.resolvers.splice(0).map((r) => r.stop('SIGKILL')));
    const batch = await completedBatch({
      plan: 'c3.medium.x86',
      operating_system: 'debian_12',
      facility: 'dfw1',
      quantity: 3,
    });
    const [deleted, ...kept]: string[] = batch.devices.map((d: { id: string }) => d.id);
    expect((await system.call('DELETE', `/devices/${deleted}`, key)).status).toBe(204);
    // Its DeviceProvisioned and DeviceDeleted are read together, on two subjects: the deletion must still win.
    await system.startResolver();
    const devices = `/orgs/${organizationId}/products/c3.medium.x86/devices`;
    for (const id of kept)
      await eventually(async () => (await system.call('GET', `${devices}/${id}`, key)).status === 200, 20_000, id);
    await fleetWiringCaughtUp();
    expect((await system.call('GET', `${devices}/${deleted}`, key)).status).toBe(404);
  });

  it("hides another organization's products (404)", async () => {
    const other = (await system.call('POST', '/organizations', system.rootToken, { name: 'Other' })).body.id;
    const otherKey = (await system.call('POST', `/organizations/${other}/api-keys`, system.rootToken, {})).body.token;
    expect((await system.call('GET', `/orgs/${organizationId}/products/c3.medium.x86`, otherKey)).status).toBe(404);
    expect(
      (await system.call('GET', `/orgs/${organizationId}/products/c3.medium.x86/deployments`, otherKey)).status,
    ).toBe(404);
  });

  it('answers a create repeated with its Idempotency-Key as the first time (a credential too), creating nothing', async () => {
    const keyed = (path: string, token: string, body: unknown, key: string) =>
      system.call('POST', path, token, body, { 'idempotency-key': key });
    const organization = await keyed('/organizations', system.rootToken, { name: 'Keyed' }, 'org-1');
    expect(await keyed('/organizations', system.rootToken, { name: 'Keyed' }, 'org-1')).toMatchObject({
      status: 201,
      body: { id: organization.body.id },
    });
    const orgId: string = organization.body.id;
    const project = await keyed(`/organizations/${orgId}/projects`, system.rootToken, { name: 'p' }, 'project-1');
    expect(
      (await keyed(`/organizations/${orgId}/projects`, system.rootToken, { name: 'p' }, 'project-1')).body.id,
    ).toBe(project.body.id);
    // An API key's token is shown once: its repeat names the key the first request issued, and issues none.
    const issued = await keyed(`/organizations/${orgId}/api-keys`, system.rootToken, {}, 'api-key-1');
    expect(await keyed(`/organizations/${orgId}/api-keys`, system.rootToken, {}, 'api-key-1')).toMatchObject({
      status: 409,
      body: { errors: [expect.stringContaining(`issued API key ${issued.body.id} already`)] },
    });
    expect((await system.call('GET', `/organizations/${orgId}/api-keys`, system.rootToken)).body.meta.total).toBe(1);
    const token: string = issued.body.token;
    const products = `/orgs/${orgId}/products`;
    const twice = async (path: string, body: unknown, key: string) => {
      const first = await keyed(path, token, body, key);
      const second = await keyed(path, token, body, key);
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(second.body).toEqual(first.body);
      return first.body;
    };

    await twice(products, { product: { name: 'gw' } }, 'product-1');
    const firmware = { version: '1.0.0', architecture: 'arm', platform: 'rpi', artifact_url: 'https://f.example/1' };
    const made = await twice(`${products}/gw/firmwares`, { firmware }, 'firmware-1');
    const deployment = { name: 'all', firmware: made.firmware.uuid, conditions: { tags: ['gw'], version: '>= 0.0.0' } };
    await twice(`${products}/gw/deployments`, { deployment }, 'deployment-1');
    const registered = await twice(
      `${products}/gw/devices`,
      { device: { identifier: 'gw-1', tags: ['gw'] } },
      'device-1',
    );
    expect(registered.credential).toMatch(/^dev_/);
    const check = await system.call('GET', '/device/update?preflight=true', null, undefined, {
      authorization: `Bearer ${registered.credential}`,
      'x-peridio-uuid': made.firmware.uuid,
      'x-peridio-product': 'gw',
      'x-peridio-version': '1.0.0',
      'x-peridio-architecture': 'arm',
      'x-peridio-platform': 'rpi',
    });
    expect(check.status).toBe(200);
    for (const list of ['firmwares', 'deployments', 'devices'])
      expect((await system.call('GET', `${products}/gw/${list}`, token)).body.meta.total).toBe(1);

    // The same key with another body is refused, and a key names one request, not any create.
    expect(
      await keyed(`${products}/gw/firmwares`, token, { firmware: { ...firmware, version: '2.0.0' } }, 'firmware-1'),
    ).toMatchObject({ status: 422, body: { errors: [expect.stringMatching(/idempotency key reused/)] } });
    expect((await keyed(products, token, { product: { name: 'gw' } }, 'product-2')).status).toBe(409);
    // A credential rotated since is not shown again: the repeat says so.
    await system.call('POST', `${products}/gw/devices/gw-1/credential`, token);
    expect(
      await keyed(`${products}/gw/devices`, token, { device: { identifier: 'gw-1', tags: ['gw'] } }, 'device-1'),
    ).toMatchObject({ status: 409, body: { errors: [expect.stringMatching(/rotated since/)] } });
  });

  it("pages the firmware side's lists as Metal pages its own", async () => {
    const devices = `/orgs/${organizationId}/products/c3.medium.x86/devices`;
    const all = (await system.call('GET', `${devices}?per_page=1000`, key)).body;
    expect(all.devices.length).toBeGreaterThanOrEqual(3);
    expect(all.meta).toMatchObject({ total: all.devices.length, current_page: 1, last_page: 1 });
    const second = (await system.call('GET', `${devices}?page=2&per_page=1`, key)).body;
    expect(second.devices.map((d: { identifier: string }) => d.identifier)).toEqual([all.devices[1].identifier]);
    expect(second.meta).toMatchObject({
      total: all.devices.length,
      current_page: 2,
      last_page: all.devices.length,
      previous: { href: `${devices}?page=1&per_page=1` },
      next: { href: `${devices}?page=3&per_page=1` },
    });
    expect((await system.call('GET', `${devices}?per_page=1001`, key)).status).toBe(422);
    const products = (await system.call('GET', `/orgs/${organizationId}/products?per_page=1`, key)).body;
    expect(products).toMatchObject({ products: [{ name: 'c3.medium.x86' }], meta: { current_page: 1 } });
    const deployments = `/orgs/${organizationId}/products/c3.medium.x86/deployments`;
    expect((await system.call('GET', deployments, key)).body.meta).toMatchObject({ total: 1 });
    const firmwares = `/orgs/${organizationId}/products/c3.medium.x86/firmwares?page=3&per_page=1`;
    expect((await system.call('GET', firmwares, key)).body).toMatchObject({ firmwares: [], meta: { total: 2 } });
  });

  it("audits any aggregate of either service, an API key its own organization's only", async () => {
    const other = (await system.call('POST', '/organizations', system.rootToken, { name: 'Elsewhere' })).body.id;
    const otherKey = (await system.call('POST', `/organizations/${other}/api-keys`, system.rootToken, {})).body.token;
    const audit = (path: string, token = key) => system.call('GET', `/audit/${path}`, token);
    const types = (answer: { body: { events: { type: string }[] } }) => answer.body.events.map((e) => e.type);

    const organization = await audit(`organization/${organizationId}`);
    expect(organization.status).toBe(200);
    expect(types(organization).slice(0, 3)).toEqual(['OrganizationCreated', 'ProjectCreated', 'ApiKeyIssued']);
    expect(organization.body.events[0]).toMatchObject({
      seq: expect.any(Number),
      time: expect.any(String),
      version: 1,
      actor: 'root',
      correlation_id: expect.any(String),
      causation_id: null,
      data: { organizationId, name: 'Acme' },
    });
    const second = await audit(`organization/${organizationId}?page=2&per_page=1`);
    expect(second.body).toMatchObject({
      events: [{ type: 'ProjectCreated' }],
      meta: { total: organization.body.meta.total, current_page: 2, last_page: organization.body.meta.total },
    });
    // Metal's `meta`, as every list: following its links pages through the same history.
    expect((await system.call('GET', second.body.meta.previous.href, key)).body).toEqual({
      ...organization.body,
      events: organization.body.events.slice(0, 1),
      meta: expect.objectContaining({ current_page: 1, next: second.body.meta.self }),
    });
    const deploymentPath = `deployment/${encodeURIComponent('c3.medium.x86/sjc1-rollout')}`;
    expect((await audit(`${deploymentPath}?per_page=1`)).body.meta.next.href).toBe(
      `/audit/${deploymentPath}?page=2&per_page=1`,
    );

    const [batch] = (await system.call('GET', `/projects/${projectId}/batches?per_page=100`, key)).body.batches.slice(
      -1,
    );
    const batchHistory = await audit(`batch/${batch.id}`);
    expect(types(batchHistory)).toEqual(
      expect.arrayContaining(['BatchRequested', 'DeviceProvisioned', 'BatchCompleted']),
    );
    expect(batchHistory.body.events[0].actor).toMatch(/^api-key:/);
    const deployment = await audit(`deployment/${encodeURIComponent('c3.medium.x86/sjc1-rollout')}`);
    expect(types(deployment).slice(0, 2)).toEqual(['DeploymentCreated', 'DeploymentUpdated']);
    expect(types(await audit('update-device/dev-x'))).toEqual(['DeviceRegistered', 'DeviceQuarantined']);
    expect(types(await audit(`product/c3.medium.x86`))[0]).toBe('ProductCreated');
    expect(types(await audit(`firmware/${TARGET}`))).toEqual(['FirmwareCreated']);
    // The platform's administrator names the organization of a name-keyed aggregate; the catalog is the platform's.
    const asRoot = await audit(`update-device/${encodeURIComponent(`${organizationId}/dev-x`)}`, system.rootToken);
    expect(types(asRoot)).toEqual(['DeviceRegistered', 'DeviceQuarantined']);
    expect(types(await audit('catalog/global', system.rootToken))).toContain('FacilityDefined');
    expect((await audit('catalog/global')).status).toBe(404);

    for (const path of [
      `organization/${organizationId}`,
      `batch/${batch.id}`,
      `firmware/${TARGET}`,
      `deployment/${encodeURIComponent('c3.medium.x86/sjc1-rollout')}`,
      'update-device/dev-x',
    ])
      expect([path, (await audit(path, otherKey)).status]).toEqual([path, 404]);
    // A wildcard or a space is no name: it must not become the filter of a read of many aggregates as one.
    for (const token of [key, system.rootToken])
      for (const type of ['organization', 'batch', 'device', 'capacity', 'firmware'])
        for (const name of ['*', '>', 'a b', `${organizationId}.>`])
          expect([type, name, (await audit(`${type}/${encodeURIComponent(name)}`, token)).status]).toEqual([
            type,
            name,
            404,
          ]);
    expect((await audit('gadget/x')).status).toBe(404);
    expect((await audit(`organization/${organizationId}?per_page=5000`)).status).toBe(422);
    expect((await audit(`organization/${organizationId}`, 'not-a-key')).status).toBe(401);
  });
});
