import { randomUUID } from 'node:crypto';
import { RunningSystem, startRunningSystem } from '../test-fixtures/running-system';
import { eventually } from '@flotilla/testing';

/** Batch deployment as an Equinix Metal user meets it, with the bodies real clients send. */
describe('admin gateway: batch deployment (e2e)', () => {
  let system: RunningSystem;
  let key: string;
  let projectId: string;

  const finished = (batchId: string) =>
    eventually(
      async () => {
        const answer = await system.call('GET', `/batches/${batchId}?include=devices`, key);
        return ['completed', 'failed'].includes(answer.body?.state) ? answer.body : undefined;
      },
      20_000,
      `batch ${batchId} finished`,
    );
  const available = async (facility: string, plan: string): Promise<number> =>
    (await system.call('GET', '/capacity', key)).body.capacity[facility]?.[plan]?.available ?? 0;

  beforeAll(async () => {
    system = await startRunningSystem('E2EB');
    const organization = await system.call('POST', '/organizations', system.rootToken, { name: 'Acme' });
    projectId = (
      await system.call('POST', `/organizations/${organization.body.id}/projects`, system.rootToken, { name: 'web' })
    ).body.id;
    key = (await system.call('POST', `/organizations/${organization.body.id}/api-keys`, system.rootToken, {})).body
      .token;
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('reads the catalog, capacity and spot prices', async () => {
    const facilities = (await system.call('GET', '/facilities', key)).body.facilities;
    expect(facilities).toContainEqual(expect.objectContaining({ code: 'ewr1', name: 'Parsippany, NJ' }));
    const ewr1 = facilities.find((f: { code: string }) => f.code === 'ewr1');
    expect((await system.call('GET', ewr1.href, key)).body).toEqual(ewr1);
    expect((await system.call('GET', '/facilities/ewr1', key)).body).toEqual(ewr1);
    expect((await system.call('GET', '/facilities/mars1', key)).status).toBe(404);
    const plans = (await system.call('GET', '/plans', key)).body.plans;
    expect(plans).toContainEqual(
      expect.objectContaining({
        slug: 'c1.small.x86',
        name: 'c1.small.x86',
        class: 'c1.small.x86',
        architecture: 'x86_64',
      }),
    );
    expect((await system.call('GET', plans[0].href, key)).body).toEqual(plans[0]);
    expect((await system.call('GET', '/operating-systems', key)).body.operating_systems).toContainEqual(
      expect.objectContaining({ slug: 'rocky_9' }),
    );
    expect((await system.call('GET', '/market/spot/prices', key)).body.spot_market_prices.dfw1['c1.small.x86']).toEqual(
      { price: 0.1 },
    );
    // Metal's filters narrow a listing; one Flotilla cannot honour is refused, never ignored.
    expect((await system.call('GET', '/plans?type=standard&type=custom', key)).body).toEqual({
      errors: ['type must be given once'],
    });
    expect((await system.call('GET', '/plans?type=standard&slug=C1.small.x86', key)).body.plans).toEqual([
      expect.objectContaining({ slug: 'c1.small.x86' }),
    ]);
    expect((await system.call('GET', '/plans?type=custom', key)).body.plans).toEqual([]);
    expect(await system.call('GET', '/plans?type=gpu&categories=compute', key)).toMatchObject({
      status: 422,
      body: {
        errors: [
          'type must be one of standard, workload_optimized, custom',
          'categories cannot be filtered by: plans here have no categories',
        ],
      },
    });
    expect((await system.call('GET', '/market/spot/prices?facility=DFW1&plan=c1.small.x86', key)).body).toEqual({
      spot_market_prices: { dfw1: { 'c1.small.x86': { price: 0.1 } } },
    });
    const perMetro = (await system.call('GET', '/market/spot/prices/metros?plan=c1.small.x86', key)).body;
    expect(
      Object.values(perMetro.spot_market_prices).every(
        (plans) => Object.keys(plans as object).join() === 'c1.small.x86',
      ),
    ).toBe(true);
    expect((await system.call('GET', '/market/spot/prices?facility=nowhere', key)).body).toEqual({
      spot_market_prices: {},
    });
    const sjc1 = (await system.call('GET', '/facilities/sjc1', key)).body;
    expect(
      await system.call('POST', '/capacity', key, {
        servers: [
          { facility: 'sjc1', plan: 'c1.small.x86', quantity: 7 },
          { facility: sjc1.id, plan: 'C1.small.x86', quantity: 7 },
          { facility: 'sjc1', plan: 'c1.small.x86', quantity: 8 },
          // As metal-go sends it (`ServerInfo.quantity` is a string), and decodes it back.
          { facility: 'sjc1', plan: 'c1.small.x86', quantity: '7' },
          { facility: 'nowhere', plan: 'c1.small.x86', quantity: '1' },
          { metro: 'sv', plan: 'c1.small.x86', quantity: '7' },
        ],
      }),
    ).toMatchObject({
      status: 200,
      body: {
        servers: [
          { facility: 'sjc1', plan: 'c1.small.x86', quantity: 7, available: true },
          { facility: sjc1.id, quantity: 7, available: true },
          { quantity: 8, available: false },
          { quantity: '7', available: true },
          { facility: 'nowhere', quantity: '1', available: false },
          { metro: 'sv', quantity: '7', available: true },
        ],
      },
    });
  });

  it('deploys the packngo body: 201 queued, then completed', async () => {
    const body = {
      batches: [
        {
          hostname: 'test{{index}}',
          plan: 'c3.medium.x86',
          facility: ['ewr1'],
          operating_system: 'debian_12',
          billing_cycle: 'hourly',
          project_id: '',
          tags: null,
          quantity: 3,
          spot_instance: false,
          spot_price_max: 0,
        },
      ],
    };
    const created = await system.call('POST', `/projects/${projectId}/devices/batch`, key, body);
    expect(created).toMatchObject({
      status: 201,
      body: {
        batches: [
          {
            state: 'queued',
            quantity: 3,
            error_messages: [],
            devices: [],
            project: { id: projectId, href: `/projects/${projectId}` },
          },
        ],
      },
    });
    const batch = await finished(created.body.batches[0].id);
    expect(batch.state).toBe('completed');
    expect(batch.devices.map((d: { hostname: string }) => d.hostname)).toEqual(['test01', 'test02', 'test03']);
    // `include` comma-separated or repeated, as clients send it; without it, devices are links.
    for (const query of ['include=project,devices', 'include=project&include=devices'])
      expect((await system.call('GET', `/batches/${batch.id}?${query}`, key)).body.devices[0]).toMatchObject({
        hostname: 'test01',
      });
    const bare = (await system.call('GET', `/batches/${batch.id}`, key)).body.devices[0];
    expect(bare.hostname).toBeUndefined();
    const device = await system.call('GET', `/devices/${batch.devices[0].id}`, key);
    expect(device.body).toMatchObject({
      state: 'active',
      facility: { code: 'ewr1', name: 'Parsippany, NJ', href: expect.stringMatching(/^\/facilities\//) },
      plan: { slug: 'c3.medium.x86', class: 'c3.medium.x86' },
      operating_system: { slug: 'debian_12', distro: 'debian', version: '12' },
      short_id: batch.devices[0].id.slice(0, 8),
      tags: [],
      locked: false,
      customdata: {},
      quarantined: false,
      batch: { href: `/batches/${batch.id}` },
      // The project's id beside its href: Terraform's provider reads it back.
      project: { id: projectId, href: `/projects/${projectId}` },
      project_lite: { id: projectId, href: `/projects/${projectId}` },
    });
    expect(
      (await system.call('GET', `/projects/${projectId}/batches`, key)).body.batches.map((b: { id: string }) => b.id),
    ).toContain(batch.id);
    expect((await system.call('GET', `/projects/${projectId}/devices`, key)).body.devices).toHaveLength(3);
  });

  it('deploys the packet-python body (metro null beside facility, six keys)', async () => {
    const body = {
      batches: [
        {
          facility: 'ewr1',
          hostname: 'batchtest01',
          metro: null,
          operating_system: 'debian_12',
          plan: 'c1.small.x86',
          quantity: 1,
        },
      ],
    };
    const created = await system.call('POST', `/projects/${projectId}/devices/batch`, key, body);
    expect(created.status).toBe(201);
    const [device] = (await finished(created.body.batches[0].id)).devices;
    expect(device).toMatchObject({ hostname: 'batchtest01', facility: { code: 'ewr1' } });
    // Not given, so absent rather than null: Metal's SDKs decode no null where Metal declares a number or a time.
    expect(device).not.toHaveProperty('spot_price_max');
    expect(device).not.toHaveProperty('termination_time');
  });

  it("deploys one server as Metal's createDevice does: 201 with the device once placed", async () => {
    const before = await available('sjc1', 'c3.medium.x86');
    // What packngo's DevicesService.Create sends, in a metro.
    const body = {
      hostname: 'db-1',
      plan: 'c3.medium.x86',
      metro: 'sv',
      operating_system: 'debian_12',
      billing_cycle: 'hourly',
      project_id: projectId,
      tags: ['db'],
      userdata: '',
    };
    const created = await system.call('POST', `/projects/${projectId}/devices`, key, body);
    expect(created).toMatchObject({
      status: 201,
      body: {
        hostname: 'db-1',
        tags: ['db'],
        facility: { code: 'sjc1', metro: { code: 'sv' } },
        plan: { slug: 'c3.medium.x86' },
      },
    });
    expect(await available('sjc1', 'c3.medium.x86')).toBe(before - 1);
    expect(['provisioning', 'active']).toContain(created.body.state); // answered once placed, as Metal answers
    expect((await system.call('GET', `/devices/${created.body.id}`, key)).body.hostname).toBe('db-1');
    const batch = await finished(created.body.batch.href.split('/').pop());
    expect(batch).toMatchObject({ quantity: 1, state: 'completed', devices: [{ href: created.body.href }] });

    const full = await system.call('POST', `/projects/${projectId}/devices`, key, {
      ...body,
      metro: undefined,
      facility: 'ewr1',
      spot_instance: true,
      spot_price_max: 0.01,
      quantity: 2,
    });
    expect(full).toMatchObject({
      status: 422,
      body: { errors: ['device.quantity must be 1: a batch request deploys more'] },
    });
    const noRoom = await system.call('POST', `/projects/${projectId}/devices`, key, {
      ...body,
      metro: undefined,
      facility: 'ewr1',
      spot_instance: true,
      spot_price_max: 0.01,
    });
    expect(noRoom).toMatchObject({
      status: 422,
      body: { errors: [expect.stringMatching(/above spot_price_max 0.01/)] },
    });
  });

  it('answers 422 with every problem, writing nothing', async () => {
    const messages = async () =>
      (await (await system.env.nc.jetstreamManager()).streams.info(system.env.stream)).state.messages;
    const before = await messages();
    const answer = await system.call('POST', `/projects/${projectId}/devices/batch`, key, {
      batches: [
        {
          plan: 'c1.small.x86',
          operating_system: 'windows_2022',
          facility: 'ewr1',
          metro: 'ny',
          quantity: 0,
          hostname: 'bad_name',
        },
      ],
    });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      'batches[0].operating_system windows_2022 cannot be provisioned on plan c1.small.x86',
      'batches[0].quantity must be an integer from 1 to 1000',
      'batches[0].hostname must be valid host names (RFC 1123): bad_name',
      'batches[0].metro and facility cannot both be given',
    ]);
    expect((await system.call('POST', `/projects/${projectId}/devices/batch`, key, { batches: [] })).status).toBe(422);
    expect(await messages()).toBe(before);
  });

  it('honours Idempotency-Key: same body → the first batches; other body → 422', async () => {
    const body = { batches: [{ plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1' }] };
    const headers = { 'idempotency-key': 'deploy-42' };
    const first = await system.call('POST', `/projects/${projectId}/devices/batch`, key, body, headers);
    const again = await system.call('POST', `/projects/${projectId}/devices/batch`, key, body, headers);
    expect(again.status).toBe(201);
    expect(again.body.batches[0].id).toBe(first.body.batches[0].id);
    const other = await system.call(
      'POST',
      `/projects/${projectId}/devices/batch`,
      key,
      { batches: [{ ...body.batches[0], quantity: 2 }] },
      headers,
    );
    expect(other).toMatchObject({
      status: 422,
      body: { errors: [expect.stringMatching(/idempotency key reused with different parameters/)] },
    });
    const before = (await system.call('GET', `/projects/${projectId}/batches?per_page=1000`, key)).body.meta.total;
    for (const bad of ['x'.repeat(65), ''])
      expect(
        await system.call('POST', `/projects/${projectId}/devices/batch`, key, body, { 'idempotency-key': bad }),
      ).toMatchObject({
        status: 422,
        body: { errors: ['Idempotency-Key must be 1 to 64 printable ASCII characters'] },
      });
    expect((await system.call('GET', `/projects/${projectId}/batches?per_page=1000`, key)).body.meta.total).toBe(
      before,
    );
  });

  it('deletes a batch with its instances and gives the servers back', async () => {
    const before = await available('dfw1', 'c3.large.arm64');
    const created = await system.call('POST', `/projects/${projectId}/devices/batch`, key, {
      batches: [{ plan: 'c3.large.arm64', operating_system: 'debian_12', facility: 'dfw1', quantity: 2 }],
    });
    const batch = await finished(created.body.batches[0].id);
    expect(await available('dfw1', 'c3.large.arm64')).toBe(before - 2);
    expect((await system.call('DELETE', `/batches/${batch.id}?remove_associated_instances=maybe`, key)).status).toBe(
      422,
    );
    // Spelled as Python's requests spells True: Metal's API reads it so, and so does Flotilla.
    expect((await system.call('DELETE', `/batches/${batch.id}?remove_associated_instances=True`, key)).status).toBe(
      204,
    );
    expect((await system.call('GET', `/batches/${batch.id}`, key)).status).toBe(404);
    await eventually(async () => (await available('dfw1', 'c3.large.arm64')) === before, 10_000, 'servers back');
    expect((await system.call('GET', `/devices/${batch.devices[0].id}`, key)).body.state).toBe('deleted');
  });

  it('deletes a batch as soon as it is requested, whenever it stands, and every server comes back', async () => {
    const before = await available('dfw1', 'c3.large.arm64');
    const created = await system.call('POST', `/projects/${projectId}/devices/batch`, key, {
      batches: [{ plan: 'c3.large.arm64', operating_system: 'debian_12', facility: 'dfw1', quantity: 3 }],
    });
    const { id } = created.body.batches[0];
    // Queued, in progress or over by now: Metal deletes a batch in any state, and so does Flotilla.
    expect((await system.call('DELETE', `/batches/${id}?remove_associated_instances=true`, key)).status).toBe(204);
    expect((await system.call('GET', `/batches/${id}`, key)).status).toBe(404);
    await eventually(async () => (await available('dfw1', 'c3.large.arm64')) === before, 10_000, 'servers back');
    const devices = (await system.call('GET', `/projects/${projectId}/devices?per_page=1000`, key)).body.devices;
    expect(devices.filter((d: { batch: { href: string } }) => d.batch.href === `/batches/${id}`)).toEqual([]);
  });

  it("locks a device against deletion as Metal's locked does, and unlocks it", async () => {
    const created = await system.call('POST', `/projects/${projectId}/devices/batch`, key, {
      batches: [{ plan: 'c3.large.arm64', operating_system: 'debian_12', facility: 'dfw1', locked: true }],
    });
    const batch = await finished(created.body.batches[0].id);
    const device = `/devices/${batch.devices[0].id}`;
    expect(batch.devices[0].locked).toBe(true);
    expect(await system.call('DELETE', device, key)).toMatchObject({
      status: 422,
      body: { errors: ['device is locked: unlock it before deleting it'] },
    });
    expect((await system.call('DELETE', `/batches/${batch.id}?remove_associated_instances=true`, key)).status).toBe(
      422,
    );
    expect(await system.call('PUT', device, key, { hostname: 'not_a_host', locked: 'no', userdata: '' })).toMatchObject(
      {
        status: 422,
        body: {
          errors: [
            'locked must be true or false',
            'hostname must be a valid host name (RFC 1123)',
            'userdata cannot be changed here: only locked, hostname, description, tags, customdata can',
          ],
        },
      },
    );
    const unlocked = await system.call('PUT', device, key, { locked: false });
    expect(unlocked).toMatchObject({ status: 200, body: { id: batch.devices[0].id, locked: false } });
    expect((await system.call('GET', device, key)).body.locked).toBe(false);
    expect((await system.call('DELETE', device, key)).status).toBe(204);
    expect((await system.call('PUT', device, key, { locked: true })).status).toBe(404);
  });

  it("changes a device's hostname, description, tags and customdata as Metal's PUT does", async () => {
    const created = await system.call('POST', `/projects/${projectId}/devices/batch`, key, {
      batches: [
        {
          plan: 'c3.large.arm64',
          operating_system: 'debian_12',
          facility: 'dfw1',
          hostname: 'old-name',
          description: 'before',
          tags: ['blue'],
          customdata: { rack: 1, row: 'a' },
          userdata: '#!/bin/sh',
        },
      ],
    });
    const batch = await finished(created.body.batches[0].id);
    const device = `/devices/${batch.devices[0].id}`;
    const changed = await system.call('PUT', device, key, {
      hostname: 'new-name',
      tags: ['green', 'canary'],
      customdata: { rack: 2 },
      description: null,
      href: device,
    });
    expect(changed).toMatchObject({
      status: 200,
      body: { hostname: 'new-name', description: 'before', tags: ['green', 'canary'], customdata: { rack: 2 } },
    });
    expect(changed.body.userdata).toBe('#!/bin/sh');
    expect((await system.call('PUT', device, key, { description: 'after' })).body).toMatchObject({
      hostname: 'new-name',
      description: 'after',
      tags: ['green', 'canary'],
    });
    expect((await system.call('GET', device, key)).body).toMatchObject({ hostname: 'new-name', description: 'after' });
    const found = async (query: string) =>
      (await system.call('GET', `/projects/${projectId}/devices?${query}`, key)).body.devices.map(
        (d: { id: string }) => d.id,
      );
    expect(await found('hostname=new-name')).toEqual([batch.devices[0].id]);
    expect(await found('tag=canary')).toEqual([batch.devices[0].id]);
    expect(await found('hostname=old-name')).toEqual([]);
    const history = (await system.call('GET', `/audit/device/${batch.devices[0].id}`, key)).body.events;
    expect(history.map((e: { type: string }) => e.type)).toEqual(['DeviceUpdated', 'DeviceUpdated']);
    // A bad change changes nothing.
    expect(
      (await system.call('PUT', device, key, { hostname: 'ok-name', tags: ['x'.repeat(65)], customdata: [] })).body
        .errors,
    ).toEqual(['tags must be an array of at most 100 strings of 1 to 64 characters', 'customdata must be an object']);
    expect((await system.call('GET', device, key)).body.hostname).toBe('new-name');
  });

  it('lets only the root token change the catalog', async () => {
    expect((await system.call('PUT', '/capacity/ams1/c1.small.x86', key, { total: 99 })).status).toBe(403);
    expect(
      await system.call('POST', '/facilities', system.rootToken, { code: 'fra1', name: 'Frankfurt, DE' }),
    ).toMatchObject({ status: 201, body: { code: 'fra1' } });
    expect(
      (await system.call('PUT', '/facilities/fra1', system.rootToken, { name: 'Frankfurt am Main, DE' })).status,
    ).toBe(200);
    expect((await system.call('PUT', '/capacity/fra1/c1.small.x86', system.rootToken, { total: 5 })).status).toBe(200);
    expect(
      (await system.call('PUT', '/market/spot/prices/fra1/c1.small.x86', system.rootToken, { price: 0.05 })).status,
    ).toBe(200);
    expect(await available('fra1', 'c1.small.x86')).toBe(5);
    expect((await system.call('PUT', '/capacity/fra1/c9.none', system.rootToken, { total: 5 })).status).toBe(422);
    // Past the limit, a total is refused before it is written: no read model is ever handed one it cannot store.
    for (const total of [1_000_001, 1e308])
      expect(await system.call('PUT', '/capacity/fra1/c1.small.x86', system.rootToken, { total })).toMatchObject({
        status: 422,
        body: { errors: ['total must not be greater than 1000000'] },
      });
    expect(await available('fra1', 'c1.small.x86')).toBe(5);
    expect(
      (await system.call('POST', '/plans', system.rootToken, { slug: 'x', name: 'x', architecture: 'mips' })).status,
    ).toBe(422);
  });

  it("lists a project's devices and batches a page at a time, with Metal's meta", async () => {
    const organizationId = (await system.call('GET', `/projects/${projectId}`, key)).body.organization.href.split(
      '/',
    )[2];
    const paged = (
      await system.call('POST', `/organizations/${organizationId}/projects`, system.rootToken, { name: 'paged' })
    ).body.id;
    const created = await system.call('POST', `/projects/${paged}/devices/batch`, key, {
      batches: [{ plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'any', quantity: 12 }],
    });
    expect(created.status).toBe(201);
    expect((await finished(created.body.batches[0].id)).state).toBe('completed');

    const first = (await system.call('GET', `/projects/${paged}/devices`, key)).body;
    expect(first.devices).toHaveLength(10);
    expect(first.meta).toEqual({
      first: { href: `/projects/${paged}/devices?page=1&per_page=10` },
      self: { href: `/projects/${paged}/devices?page=1&per_page=10` },
      next: { href: `/projects/${paged}/devices?page=2&per_page=10` },
      last: { href: `/projects/${paged}/devices?page=2&per_page=10` },
      total: 12,
      current_page: 1,
      last_page: 2,
    });
    const second = (await system.call('GET', first.meta.next.href, key)).body;
    expect(second.devices).toHaveLength(2);
    expect(second.meta).toMatchObject({ previous: first.meta.self, current_page: 2, last_page: 2, total: 12 });
    expect(second.meta).not.toHaveProperty('next');
    const ids = [...first.devices, ...second.devices].map((d: { id: string }) => d.id);
    expect(new Set(ids).size).toBe(12);
    const all = (await system.call('GET', `/projects/${paged}/devices?per_page=1000`, key)).body;
    expect(all.devices.map((d: { id: string }) => d.id).sort()).toEqual([...ids].sort());
    expect((await system.call('GET', `/projects/${paged}/batches?per_page=1`, key)).body.meta).toMatchObject({
      total: 1,
      last_page: 1,
    });
    const embedded = (await system.call('GET', `/projects/${paged}/batches?include=devices`, key)).body.batches[0];
    expect(embedded.devices.map((d: { id: string }) => d.id).sort()).toEqual([...ids].sort());

    const bad = await system.call('GET', `/projects/${paged}/devices?page=0&per_page=1001`, key);
    expect(bad).toMatchObject({
      status: 422,
      body: { errors: ['page must be an integer from 1 to 100000', 'per_page must be an integer from 1 to 1000'] },
    });

    // Filtered as Metal's findProjectDevices filters; the links keep the filters.
    const filtered = (
      await system.call('GET', `/projects/${paged}/devices?search=DEBIAN&type=ondemand&per_page=5`, key)
    ).body;
    expect(filtered.meta).toMatchObject({
      total: 12,
      next: { href: `/projects/${paged}/devices?search=DEBIAN&type=ondemand&page=2&per_page=5` },
    });
    expect((await system.call('GET', filtered.meta.next.href, key)).body.meta).toMatchObject({ current_page: 2 });
    expect((await system.call('GET', `/projects/${paged}/devices?type=spot`, key)).body.meta.total).toBe(0);
    const flagged = (query: string) => system.call('GET', `/projects/${paged}/devices?${query}`, key);
    expect((await flagged('reserved=False&has_termination_time=0')).body.meta.total).toBe(12);
    expect((await flagged('has_termination_time=TRUE')).body.meta.total).toBe(0);
    // A filter given empty, as clients that fill a URL template send one, filters nothing.
    const blank = (
      await system.call(
        'GET',
        `/projects/${paged}/devices?facility=&tag=&type=&reserved=&categories=&mac_address=`,
        key,
      )
    ).body;
    expect(blank.meta).toMatchObject({ total: 12, self: { href: `/projects/${paged}/devices?page=1&per_page=10` } });
    const refused = await system.call(
      'GET',
      `/projects/${paged}/devices?type=metal&categories=compute&mac_address=0c:c4:7a:00:00:01&tag=a&tag=b&reserved=maybe&per_page=0`,
      key,
    );
    expect(refused).toMatchObject({
      status: 422,
      body: {
        errors: [
          'type must be one of ondemand, spot, reserved',
          'categories cannot be filtered by: plans here have no categories',
          'mac_address cannot be filtered by: devices here have no network ports',
          'tag must be given once',
          'reserved must be true or false',
          'per_page must be an integer from 1 to 1000',
        ],
      },
    });
  });

  it("hides another organization's batches and devices (404)", async () => {
    const other = await system.call('POST', '/organizations', system.rootToken, { name: 'Other' });
    const otherKey = (await system.call('POST', `/organizations/${other.body.id}/api-keys`, system.rootToken, {})).body
      .token;
    const created = await system.call('POST', `/projects/${projectId}/devices/batch`, key, {
      batches: [{ plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1' }],
    });
    const batch = await finished(created.body.batches[0].id);
    expect((await system.call('GET', `/batches/${batch.id}`, otherKey)).status).toBe(404);
    expect((await system.call('GET', `/devices/${batch.devices[0].id}`, otherKey)).status).toBe(404);
    expect((await system.call('DELETE', `/devices/${batch.devices[0].id}`, otherKey)).status).toBe(404);
    expect(
      (
        await system.call('POST', `/projects/${projectId}/devices/batch`, otherKey, {
          batches: [{ plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1' }],
        })
      ).status,
    ).toBe(404);
  });

  it('refuses oversized, hostile and too-many-items input with a clear 4xx, writing nothing', async () => {
    const messages = async () =>
      (await (await system.env.nc.jetstreamManager()).streams.info(system.env.stream)).state.messages;
    const before = await messages();
    const big = await system.call(
      'POST',
      `/projects/${projectId}/devices/batch`,
      key,
      JSON.stringify({ batches: [{ description: 'x'.repeat(20 * 1024 * 1024) }] }),
    );
    expect(big.status).toBe(413);
    expect(big.body.errors[0]).toMatch(/larger than the limit/);
    // Within the gateway's limit, but past the bus's once encoded: every `1e9` is sent as `1000000000`.
    const growing = `{"batches":[{"customdata":{"a":[${Array(120_000).fill('1e9').join(',')}]}}]}`;
    const grown = await system.call('POST', `/projects/${projectId}/devices/batch`, key, growing);
    expect(grown).toMatchObject({
      status: 413,
      body: { errors: [expect.stringMatching(/larger than the bus carries/)] },
    });
    // A control character is listed beside the body's other problems, in one answer.
    const nul = await system.call('POST', '/organizations', system.rootToken, { name: `evil\u0000${'c'.repeat(200)}` });
    expect(nul).toMatchObject({
      status: 422,
      body: {
        errors: [
          'name contains a control character or invalid text',
          'name must be shorter than or equal to 200 characters',
        ],
      },
    });
    const item = { plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1' };
    const many = await system.call('POST', `/projects/${projectId}/devices/batch`, key, {
      batches: Array.from({ length: 5_000 }, () => item),
    });
    expect(many).toMatchObject({ status: 422, body: { errors: ['batches must hold at most 100 items per call'] } });
    const controlInHostname = await system.call('POST', `/projects/${projectId}/devices/batch`, key, {
      batches: [{ ...item, hostname: 'web\u0007' }],
    });
    expect(controlInHostname).toMatchObject({
      status: 422,
      body: { errors: ['batches[0].hostname contains a control character or invalid text'] },
    });
    const controlInQuery = await system.call('GET', `/projects/${projectId}/batches?page=1%07`, key);
    expect(controlInQuery).toMatchObject({
      status: 422,
      body: { errors: ['page contains a control character or invalid text'] },
    });
    const asText = await system.call(
      'POST',
      `/projects/${projectId}/devices/batch`,
      key,
      JSON.stringify({ batches: [item] }),
      {
        'content-type': 'text/plain',
      },
    );
    expect(asText).toMatchObject({
      status: 415,
      body: { errors: [expect.stringMatching(/must be JSON.*text\/plain/)] },
    });
    const broken = await system.call('POST', `/projects/${projectId}/devices/batch`, key, '{"batches": [');
    expect(broken).toMatchObject({
      status: 422,
      body: { errors: [expect.stringMatching(/^request body is not valid JSON: /)] },
    });
    for (const [bare, kind] of [
      ['null', 'null'],
      ['"batches"', 'a string'],
      ['42', 'a number'],
    ])
      expect(await system.call('POST', `/projects/${projectId}/devices/batch`, key, bare)).toMatchObject({
        status: 422,
        body: { errors: [`request body must be a JSON object, not ${kind}`] },
      });
    const deep = `{"batches": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expect(await system.call('POST', `/projects/${projectId}/devices/batch`, key, deep)).toMatchObject({
      status: 422,
      body: { errors: ['request body nests deeper than 32 levels'] },
    });
    // An array is no body of any route: not even of one whose fields are all optional.
    for (const [method, path] of [
      ['POST', `/projects/${projectId}/devices/batch`],
      ['POST', `/organizations/${randomUUID()}/api-keys`],
      ['PUT', `/devices/${randomUUID()}`],
    ])
      expect([path, await system.call(method, path, key, [item])]).toMatchObject([
        path,
        { status: 422, body: { errors: ['request body must be a JSON object, not an array'] } },
      ]);
    expect(await messages()).toBe(before);
    const asJsonType = await system.call(
      'POST',
      `/projects/${projectId}/devices/batch`,
      key,
      { batches: [item] },
      {
        'content-type': 'application/vnd.api+json; charset=utf-8',
      },
    );
    expect(asJsonType.status).toBe(201);
  });

  it("places an item named by metro in that metro's facilities, and reports capacity and prices per metro", async () => {
    const metros = (await system.call('GET', '/locations/metros', key)).body.metros;
    expect(metros).toContainEqual(expect.objectContaining({ code: 'sv', name: 'Silicon Valley', country: 'US' }));
    const defineMetro = await system.call('PUT', '/locations/metros/zz', system.rootToken, {
      name: 'Zed',
      country: 'ZZ',
    });
    expect(defineMetro.status).toBe(201);
    expect((await system.call('PUT', '/locations/metros/zz', key, { name: 'Zed', country: 'ZZ' })).status).toBe(403);
    expect((await system.call('PUT', '/facilities/zz1', system.rootToken, { name: 'Zed 1', metro: 'zz' })).status).toBe(
      201,
    );
    expect(
      (await system.call('PUT', '/facilities/zz2', system.rootToken, { name: 'Zed 2', metro: 'nowhere' })).status,
    ).toBe(422);
    expect((await system.call('PUT', '/capacity/zz1/c1.small.x86', system.rootToken, { total: 2 })).status).toBe(200);
    const zz1 = (await system.call('GET', '/facilities/zz1', key)).body;
    expect(zz1.metro).toMatchObject({ code: 'zz', name: 'Zed', country: 'ZZ' });
    expect((await system.call('GET', zz1.metro.href, key)).body).toEqual(zz1.metro);
    expect((await system.call('GET', '/capacity/metros', key)).body.capacity.zz).toEqual({
      'c1.small.x86': { level: 'normal', available: 2 },
    });
    const sv = (await system.call('GET', '/capacity', key)).body.capacity.sjc1;
    expect((await system.call('GET', '/capacity/metros', key)).body.capacity.sv).toEqual(sv);
    expect((await system.call('GET', '/market/spot/prices/metros', key)).body.spot_market_prices.sv).toEqual(
      (await system.call('GET', '/market/spot/prices', key)).body.spot_market_prices.sjc1,
    );

    const item = { plan: 'c1.small.x86', operating_system: 'debian_12', quantity: 2 };
    // Named by the ids a client read from the listings, as Metal takes them ("metro code or ID").
    const plan = (await system.call('GET', '/plans/c1.small.x86', key)).body;
    const created = await system.call('POST', `/projects/${projectId}/devices/batch`, key, {
      batches: [{ ...item, plan: plan.id, metro: zz1.metro.id }],
    });
    expect(created.status).toBe(201);
    const batch = await finished(created.body.batches[0].id);
    expect(batch.state).toBe('completed');
    expect(batch.facility_allocations).toEqual([{ facility: 'zz1', quantity: 2 }]);
    expect(batch.devices[0]).toMatchObject({
      facility: { code: 'zz1', metro: { code: 'zz' } },
      metro: { code: 'zz' },
      plan: { id: plan.id, slug: 'c1.small.x86' },
    });
    // Its one facility is full now: a metro is never placed outside itself.
    const full = await finished(
      (await system.call('POST', `/projects/${projectId}/devices/batch`, key, { batches: [{ ...item, metro: 'ZZ' }] }))
        .body.batches[0].id,
    );
    expect(full).toMatchObject({
      state: 'failed',
      error_messages: ['not enough capacity for 2 x c1.small.x86: no facility to place it in (in its metro: zz1)'],
    });

    const refused = await system.call('POST', `/projects/${projectId}/devices/batch`, key, {
      batches: [
        { ...item, metro: 'zz', facility: 'sjc1' },
        { ...item, metro: 'atlantis' },
      ],
    });
    expect(refused).toMatchObject({
      status: 422,
      body: {
        errors: [
          'batches[0].metro and facility cannot both be given',
          'batches[1].metro "atlantis" is not a known metro',
        ],
      },
    });
    // A metro's check counts its facilities together, as its report does.
    await system.call('PUT', '/locations/metros/yy', system.rootToken, { name: 'Why', country: 'YY' });
    for (const [facility, total] of [
      ['yy1', 1],
      ['yy2', 2],
    ] as const) {
      await system.call('PUT', `/facilities/${facility}`, system.rootToken, { name: facility, metro: 'yy' });
      await system.call('PUT', `/capacity/${facility}/c1.small.x86`, system.rootToken, { total });
    }
    const yy = (await system.call('GET', '/locations/metros/yy', key)).body;
    expect(
      await system.call('POST', '/capacity/metros', key, {
        servers: [
          { metro: 'yy', plan: 'c1.small.x86', quantity: '3' },
          { metro: 'YY', plan: 'c1.small.x86', quantity: 4 },
          { metro: 'nowhere', plan: 'c1.small.x86', quantity: 1 },
          { metro: yy.id, plan: plan.id, quantity: '3' },
          { metro: yy.id, plan: zz1.metro.id, quantity: '1' },
        ],
      }),
    ).toMatchObject({
      status: 200,
      body: {
        servers: [
          { metro: 'yy', plan: 'c1.small.x86', quantity: '3', available: true },
          { metro: 'YY', plan: 'c1.small.x86', quantity: 4, available: false },
          { metro: 'nowhere', quantity: 1, available: false },
          { metro: yy.id, plan: plan.id, quantity: '3', available: true },
          // An id names an entry of its own kind only: a metro's is no plan.
          { metro: yy.id, plan: zz1.metro.id, quantity: '1', available: false },
        ],
      },
    });
    expect(
      await system.call('POST', '/capacity/metros', key, { servers: [{ facility: 'yy1', plan: 'x', quantity: 0 }] }),
    ).toMatchObject({
      status: 422,
      body: {
        errors: [
          'servers.0.metro must be a string',
          'servers.0.quantity must be an integer from 1 to 1000000 (a number or a string of digits)',
        ],
      },
    });
  });

  it('answers 503, not 500 or 401, while the service behind the gateway is away', async () => {
    await system.orchestrator.stop('SIGKILL');
    const answer = await system.call('GET', `/projects/${projectId}/batches`, key);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.body.errors[0]).toMatch(/unavailable/);
  });
});
