import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { BatchSubjects, BatchView, CatalogSubjects, DeviceView, Subject } from '@flotilla/contracts';
import { DataSource } from 'typeorm';
import { AggregateRepository, EventStore } from '@flotilla/event-store';
import { CatalogId, catalogDecider } from '@flotilla/batch-domain';
import { CatalogAggregate } from '../catalog/catalog-repositories';
import { PostgresParkedStore } from '@flotilla/projections';
import { consumerCaughtUp, eventually, openTestEnvironment, TestEnvironment } from '@flotilla/testing';
import { OrchestratorConfig } from '../config';
import { BatchWorkflowHost } from '../worker/batch-workflow.host';
import { DeviceTerminator } from '../worker/device-terminator';
import {
  createProject,
  natsRequester,
  startOrchestrator,
  testConfig,
  unwrap,
} from '../test-fixtures/orchestrator-fixture';

type Capacity = { capacity: Record<string, Record<string, { level: string; available: number }>> };

describe('batch deployment over NATS', () => {
  let env: TestEnvironment;
  let config: OrchestratorConfig;
  let app: INestApplication;
  let request: ReturnType<typeof natsRequester>;
  let projectId: string;
  let organizationId: string;

  const available = async (facility: string, plan: string) =>
    unwrap(await request<Capacity>(CatalogSubjects.getCapacity, {})).capacity[facility]?.[plan]?.available ?? 0;
  const streamMessages = async () => (await (await env.nc.jetstreamManager()).streams.info(env.stream)).state.messages;

  const item = (hostname: string) => ({
    plan: 'm3.large.x86',
    operating_system: 'debian_12',
    facility: 'ams1',
    hostname,
  });

  async function deploy(items: unknown[], extra: Record<string, unknown> = {}): Promise<BatchView[]> {
    return unwrap(
      await request<{ batches: BatchView[] }>(BatchSubjects.createBatches, { projectId, batches: items, ...extra }),
    ).batches;
  }

  async function finished(batchId: string): Promise<BatchView> {
    return eventually(
      async () => {
        const reply = await request<BatchView>(BatchSubjects.getBatch, { batchId, includeDevices: true });
        return reply.ok && ['completed', 'failed'].includes(reply.data.state) ? reply.data : undefined;
      },
      20_000,
      `batch ${batchId} finished`,
    );
  }

  beforeAll(async () => {
    env = await openTestEnvironment('BATCHES');
    config = testConfig(env, { terminationSweepMs: 200 });
    app = await startOrchestrator(config);
    request = natsRequester(env);
    ({ projectId, organizationId } = await createProject(request));
  });

  afterAll(async () => {
    await app.close();
    await env.close();
  });

  it('serves the demo catalog seeded on a fresh log', async () => {
    const facilities = unwrap(
      await request<{ facilities: { code: string }[] }>(CatalogSubjects.listFacilities, {}),
    ).facilities;
    expect(facilities.map((f) => f.code)).toEqual(expect.arrayContaining(['sjc1', 'ewr1', 'dfw1']));
    const plans = unwrap(
      await request<{ plans: { slug: string; architecture: string }[] }>(CatalogSubjects.listPlans, {}),
    ).plans;
    expect(plans).toContainEqual(
      expect.objectContaining({ slug: 'c3.large.arm64', name: 'c3.large.arm64', architecture: 'aarch64' }),
    );
    const os = unwrap(
      await request<{ operating_systems: { slug: string; provisionable_on: string[] }[] }>(
        CatalogSubjects.listOperatingSystems,
        {},
      ),
    );
    expect(os.operating_systems.find((o) => o.slug === 'windows_2022')?.provisionable_on).toEqual(['m3.large.x86']);
    expect(unwrap(await request(CatalogSubjects.getSpotPrices, {}))).toMatchObject({
      spot_market_prices: { ewr1: { 'c1.small.x86': { price: 0.35 } } },
    });
    expect(unwrap(await request<Capacity>(CatalogSubjects.getCapacity, {})).capacity.sjc1['c1.small.x86']).toEqual({
      level: 'normal',
      available: 7,
    });
  });

  it('deploys a packngo-style item: queued at once, then completed with its devices named in series', async () => {
    const before = await available('dfw1', 'c3.medium.x86');
    const [queued] = await deploy([
      {
        project_id: '',
        tags: null,
        facility: ['dfw1'],
        plan: 'c3.medium.x86',
        operating_system: 'ubuntu_22_04',
        hostname: 'web{{index}}.example.com',
        quantity: 3,
        spot_instance: false,
        spot_price_max: 0,
        description: 'front end',
        userdata: '#!/bin/sh',
      },
    ]);
    expect(queued).toMatchObject({
      state: 'queued',
      quantity: 3,
      error_messages: [],
      devices: [],
      project: { id: projectId, href: `/projects/${projectId}` },
    });

    const batch = await finished(queued.id);
    expect(batch).toMatchObject({
      state: 'completed',
      error_messages: [],
      facility_allocations: [{ facility: 'dfw1', quantity: 3 }],
    });
    expect(batch.created_at).toBe(queued.created_at); // the 201's time is the one the batch keeps
    const devices = batch.devices as DeviceView[];
    expect(devices.map((d) => [d.hostname, d.state, d.facility.code])).toEqual([
      ['web01.example.com', 'active', 'dfw1'],
      ['web02.example.com', 'active', 'dfw1'],
      ['web03.example.com', 'active', 'dfw1'],
    ]);
    expect(devices[0]).toMatchObject({
      plan: { slug: 'c3.medium.x86' },
      operating_system: { slug: 'ubuntu_22_04', distro: 'ubuntu', version: '22.04' },
      billing_cycle: 'hourly',
      tags: [],
      description: 'front end',
      quarantined: false,
    });
    expect(await available('dfw1', 'c3.medium.x86')).toBe(before - 3);
    const history = unwrap(
      await request<{ batches: BatchView[] }>(BatchSubjects.listBatches, { projectId, perPage: 1000 }),
    ).batches;
    expect(history.map((b) => b.id)).toContain(queued.id);
  });

  it('places as §5 says: ["sjc1","ewr1","any"] with diversity 2 and 25 servers takes sjc1 7 + ewr1 18', async () => {
    const [queued] = await deploy([
      {
        plan: 'c1.small.x86',
        operating_system: 'debian_12',
        facility: ['sjc1', 'ewr1', 'any'],
        facility_diversity_level: 2,
        quantity: 25,
      },
    ]);
    const batch = await finished(queued.id);
    expect(batch.facility_allocations).toEqual([
      { facility: 'sjc1', quantity: 7 },
      { facility: 'ewr1', quantity: 18 },
    ]);
    expect(batch.devices).toHaveLength(25);
    expect(await available('sjc1', 'c1.small.x86')).toBe(0);
    expect(unwrap(await request<Capacity>(CatalogSubjects.getCapacity, {})).capacity.sjc1['c1.small.x86'].level).toBe(
      'unavailable',
    );
  });

  it('fails an item that cannot be placed, saying why, holding nothing', async () => {
    const before = await available('ewr1', 'm3.large.x86');
    const [queued] = await deploy([
      { plan: 'm3.large.x86', operating_system: 'rocky_9', facility: 'ewr1', quantity: 11 },
    ]);
    const batch = await finished(queued.id);
    expect(batch).toMatchObject({ state: 'failed', devices: [] });
    expect(batch.error_messages).toEqual([
      'not enough capacity for 11 x m3.large.x86 among ewr1 (largest: ewr1 with 10)',
    ]);
    expect(await available('ewr1', 'm3.large.x86')).toBe(before);
  });

  it('accepts an item in a facility defined elsewhere since it last read the catalog', async () => {
    await deploy([{ plan: 'm3.large.x86', operating_system: 'rocky_9', facility: 'ewr1', quantity: 1 }]);
    // Another instance's write, straight to the log: this one's catalog does not know the facility yet.
    const store = await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix });
    const elsewhere = new AggregateRepository(store, CatalogAggregate, catalogDecider);
    await elsewhere.execute(
      CatalogId,
      { type: 'DefineFacility', facility: { code: 'fra9', name: 'Frankfurt 9' } },
      { metadata: { actor: 'test' } },
    );
    const [queued] = await deploy([{ plan: 'm3.large.x86', operating_system: 'rocky_9', facility: 'fra9' }]);
    expect(queued.state).toBe('queued');
    expect((await finished(queued.id)).error_messages).toEqual([
      'not enough capacity for 1 x m3.large.x86 among fra9 (largest: fra9 with 0)',
    ]);
  });

  it('lists every problem of a bad request and writes nothing', async () => {
    const before = await streamMessages();
    const reply = await request(BatchSubjects.createBatches, {
      projectId,
      batches: [
        { plan: 'c9.huge', operating_system: 'ubuntu_22_04', facility: 'ewr1' },
        {
          plan: 'm3.large.x86',
          operating_system: 'ubuntu_22_04',
          hostname: 'a',
          hostnames: ['b'],
          facility: 'mars1',
          spot_instance: true,
        },
      ],
    });
    expect(reply).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(!reply.ok && reply.error.details).toEqual([
      'batches[0].plan "c9.huge" is not a known plan',
      'batches[1].hostname and hostnames cannot both be given',
      'batches[1].facility has unknown facilities: "mars1"',
      'batches[1].spot_price_max is required when spot_instance is true',
    ]);
    expect(await streamMessages()).toBe(before);
  });

  it('returns the first batches for a repeated command id, and refuses the id with another body', async () => {
    const item = { plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1', quantity: 1 };
    const first = await deploy([item, item], { commandId: 'retry-me' });
    const again = await deploy([item, item], { commandId: 'retry-me' });
    expect(again.map((b) => b.id)).toEqual(first.map((b) => b.id));
    const other = await request(BatchSubjects.createBatches, {
      projectId,
      batches: [{ ...item, quantity: 2 }],
      commandId: 'retry-me',
    });
    expect(other).toMatchObject({ ok: false, error: { code: 'idempotency_mismatch' } });
    const history = unwrap(
      await request<{ batches: BatchView[] }>(BatchSubjects.listBatches, { projectId, perPage: 1000 }),
    ).batches;
    expect(history.filter((b) => first.some((f) => f.id === b.id))).toHaveLength(2);
  });

  it('bids on spot capacity only where the price is within spot_price_max, and records the price', async () => {
    const [tooDear] = await deploy([
      {
        plan: 'c1.small.x86',
        operating_system: 'debian_12',
        facility: 'ewr1',
        spot_instance: true,
        spot_price_max: 0.2,
      },
    ]);
    expect((await finished(tooDear.id)).error_messages[0]).toMatch(
      /spot price in ewr1 is 0.35, above spot_price_max 0.2/,
    );
    const [cheap] = await deploy([
      {
        plan: 'c1.small.x86',
        operating_system: 'debian_12',
        facility: ['ewr1', 'any'],
        spot_instance: true,
        spot_price_max: 0.2,
      },
    ]);
    const batch = await finished(cheap.id);
    expect(batch.state).toBe('completed');
    expect(batch.devices[0]).toMatchObject({
      facility: { code: 'dfw1' },
      spot_instance: true,
      spot_price_max: 0.2,
      spot_price: 0.1,
    });
  });

  it("creates one device as Metal's createDevice does: a batch of one, answered with its device once placed", async () => {
    const before = await available('sjc1', 'c3.medium.x86');
    const body = { plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1', hostname: 'solo-1' };
    const create = () =>
      request<DeviceView>(BatchSubjects.createDevice, {
        projectId,
        device: { ...body, tags: ['db'] },
        commandId: 'solo',
      });
    const device = unwrap(await create());
    expect(device).toMatchObject({
      hostname: 'solo-1',
      tags: ['db'],
      facility: { code: 'sjc1' },
      plan: { slug: 'c3.medium.x86' },
    });
    expect(['provisioning', 'active']).toContain(device.state); // answered once placed, as Metal answers
    const batchId = device.batch.href.split('/').pop() as string;
    expect(await finished(batchId)).toMatchObject({
      quantity: 1,
      state: 'completed',
      devices: [{ href: `/devices/${device.id}` }],
    });
    expect(await available('sjc1', 'c3.medium.x86')).toBe(before - 1);
    expect(unwrap(await create()).id).toBe(device.id); // the same command id: the same device, no second one
    expect(await available('sjc1', 'c3.medium.x86')).toBe(before - 1);
  });

  it("refuses a batch's quantity and hostnames, writing nothing; a device with no room answers its batch's error", async () => {
    const before = await streamMessages();
    const refused = await request(BatchSubjects.createDevice, {
      projectId,
      device: {
        plan: 'c3.medium.x86',
        operating_system: 'debian_12',
        facility: 'mars1',
        quantity: 2,
        hostnames: ['a', 'b'],
      },
    });
    expect(!refused.ok && refused.error.details).toEqual([
      'device.hostnames names the devices of a batch: one device is named by hostname',
      'device.quantity must be 1: a batch request deploys more',
      'device.facility has unknown facilities: "mars1"',
    ]);
    expect(await streamMessages()).toBe(before);
    const tooDear = await request(BatchSubjects.createDevice, {
      projectId,
      device: {
        plan: 'c1.small.x86',
        operating_system: 'debian_12',
        facility: 'ewr1',
        spot_instance: true,
        spot_price_max: 0.2,
      },
    });
    expect(tooDear).toMatchObject({
      ok: false,
      error: {
        code: 'validation_failed',
        message: expect.stringMatching(/spot price in ewr1 is 0.35, above spot_price_max 0.2/),
      },
    });
  });

  it('gives servers back when a device, or a batch with its instances, is deleted', async () => {
    const before = await available('nrt1', 'c3.medium.x86');
    const [queued] = await deploy([
      { plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'nrt1', quantity: 4 },
    ]);
    const batch = await finished(queued.id);
    expect(await available('nrt1', 'c3.medium.x86')).toBe(before - 4);

    const [first] = batch.devices as DeviceView[];
    unwrap(await request(BatchSubjects.deleteDevice, { deviceId: first.id }));
    expect(unwrap(await request<DeviceView>(BatchSubjects.getDevice, { deviceId: first.id })).state).toBe('deleted');
    await eventually(async () => (await available('nrt1', 'c3.medium.x86')) === before - 3, 10_000, 'one server back');

    unwrap(await request(BatchSubjects.deleteBatch, { batchId: queued.id, removeAssociatedInstances: true }));
    expect(await request(BatchSubjects.getBatch, { batchId: queued.id })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    await eventually(async () => (await available('nrt1', 'c3.medium.x86')) === before, 10_000, 'every server back');
    const devices = unwrap(
      await request<{ devices: DeviceView[] }>(BatchSubjects.listDevices, { projectId, perPage: 1000 }),
    ).devices;
    expect(devices.filter((d) => d.batch.href === `/batches/${queued.id}`)).toEqual([]);
  });

  it("filters a project's devices as Metal's findProjectDevices does, every filter given holding", async () => {
    const own = await createProject(request);
    const [web, db] = unwrap(
      await request<{ batches: BatchView[] }>(BatchSubjects.createBatches, {
        projectId: own.projectId,
        batches: [
          {
            plan: 'c3.medium.x86',
            operating_system: 'debian_12',
            facility: 'sjc1',
            hostname: 'web{{index}}',
            quantity: 2,
            tags: ['web', 'prod'],
            description: 'front end',
          },
          {
            plan: 'c1.small.x86',
            operating_system: 'ubuntu_22_04',
            facility: 'ewr1',
            hostname: 'db1',
            tags: ['db'],
            spot_instance: true,
            spot_price_max: 1,
            termination_time: '2099-01-01T00:00:00Z',
          },
        ],
      }),
    ).batches;
    await finished(web.id);
    const [dbDevice] = (await finished(db.id)).devices as DeviceView[];
    const hostnames = async (filters: Record<string, unknown>) =>
      unwrap(
        await request<{ devices: DeviceView[] }>(BatchSubjects.listDevices, { projectId: own.projectId, ...filters }),
      )
        .devices.map((d) => d.hostname)
        .sort();

    const webs = ['web01', 'web02'];
    const all = ['db1', 'web01', 'web02'];
    expect(await hostnames({})).toEqual(all);
    expect(await hostnames({ facility: 'sjc1' })).toEqual(webs);
    expect(await hostnames({ facility: 'SJC1' })).toEqual(webs);
    expect(await hostnames({ metro: 'ny' })).toEqual(['db1']);
    expect(await hostnames({ metro: 'NY' })).toEqual(['db1']);
    expect(await hostnames({ metro: 'am' })).toEqual([]);
    expect(await hostnames({ hostname: 'WEB' })).toEqual(webs);
    expect(await hostnames({ tag: 'db' })).toEqual(['db1']);
    expect(await hostnames({ tag: 'pro' })).toEqual([]); // a tag is matched whole
    expect(await hostnames({ type: 'spot' })).toEqual(['db1']);
    expect(await hostnames({ type: 'ondemand' })).toEqual(webs);
    expect(await hostnames({ type: 'reserved' })).toEqual([]);
    expect(await hostnames({ reserved: true })).toEqual([]);
    expect(await hostnames({ reserved: false })).toEqual(all);
    expect(await hostnames({ hasTerminationTime: true })).toEqual(['db1']);
    expect(await hostnames({ hasTerminationTime: false })).toEqual(webs);
    expect(await hostnames({ search: 'FRONT' })).toEqual(webs); // description
    expect(await hostnames({ search: dbDevice.short_id })).toEqual(['db1']);
    expect(await hostnames({ search: 'pro' })).toEqual(webs); // part of a tag
    expect(await hostnames({ search: 'c1.small' })).toEqual(['db1']); // plan slug
    expect(await hostnames({ search: 'sunnyvale' })).toEqual(webs); // facility name
    expect(await hostnames({ search: 'Ubuntu 22' })).toEqual(['db1']); // operating system name
    expect(await hostnames({ search: 'web_1' })).toEqual([]); // `_` is a character, not a wildcard
    expect(await hostnames({ search: '%' })).toEqual([]);
    expect(await hostnames({ facility: 'sjc1', hostname: '02' })).toEqual(['web02']);

    const page = unwrap(
      await request<{ meta: { self: { href: string }; total: number } }>(BatchSubjects.listDevices, {
        projectId: own.projectId,
        tag: 'web',
        search: 'a b&c',
        perPage: 1,
      }),
    ).meta;
    expect(page).toMatchObject({
      total: 0,
      self: { href: `/projects/${own.projectId}/devices?search=a%20b%26c&tag=web&page=1&per_page=1` },
    });
    const paged = unwrap(
      await request<{ meta: { next: { href: string }; total: number } }>(BatchSubjects.listDevices, {
        projectId: own.projectId,
        tag: 'web',
        hasTerminationTime: false,
        perPage: 1,
      }),
    ).meta;
    expect(paged).toMatchObject({
      total: 2,
      next: { href: `/projects/${own.projectId}/devices?tag=web&has_termination_time=false&page=2&per_page=1` },
    });

    expect(
      await request(BatchSubjects.listDevices, { projectId: own.projectId, type: 'metal', tag: 'x'.repeat(65) }),
    ).toMatchObject({
      ok: false,
      error: {
        code: 'validation_failed',
        details: expect.arrayContaining([
          'type must be one of ondemand, spot, reserved',
          'tag must be shorter than or equal to 64 characters',
        ]),
      },
    });
  });

  it('keeps a locked device, by its batch item or locked since, from deletion until it is unlocked', async () => {
    const [queued] = await deploy([
      { plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'dfw1', quantity: 2, locked: true },
    ]);
    const [first, second] = (await finished(queued.id)).devices as DeviceView[];
    expect([first.locked, second.locked]).toEqual([true, true]);
    const locked = { ok: false, error: { code: 'validation_failed', details: [expect.stringMatching(/locked/)] } };
    expect(await request(BatchSubjects.deleteDevice, { deviceId: first.id })).toMatchObject(locked);
    expect(
      await request(BatchSubjects.deleteBatch, { batchId: queued.id, removeAssociatedInstances: true }),
    ).toMatchObject({
      ok: false,
      error: {
        code: 'validation_failed',
        details: [first, second].map(
          (d) => `device ${d.hostname} (${d.id}) is locked: unlock it before deleting it with its batch`,
        ),
      },
    });

    const unlocked = unwrap(
      await request<DeviceView>(BatchSubjects.updateDevice, { deviceId: first.id, locked: false }),
    );
    expect(unlocked).toMatchObject({ id: first.id, locked: false });
    expect(unwrap(await request<DeviceView>(BatchSubjects.updateDevice, { deviceId: first.id }))).toEqual(unlocked);
    unwrap(await request(BatchSubjects.deleteDevice, { deviceId: first.id }));
    expect(await request(BatchSubjects.updateDevice, { deviceId: first.id, locked: true })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });

    // Unlocked, locked again: the lock of the latest change holds, not the batch item's.
    unwrap(await request(BatchSubjects.updateDevice, { deviceId: second.id, locked: false }));
    expect(
      unwrap(await request<DeviceView>(BatchSubjects.updateDevice, { deviceId: second.id, locked: true })).locked,
    ).toBe(true);
    expect(await request(BatchSubjects.deleteDevice, { deviceId: second.id })).toMatchObject(locked);
    unwrap(await request(BatchSubjects.updateDevice, { deviceId: second.id, locked: false }));
    unwrap(await request(BatchSubjects.deleteBatch, { batchId: queued.id, removeAssociatedInstances: true }));
    await eventually(
      async () =>
        unwrap(await request<DeviceView>(BatchSubjects.getDevice, { deviceId: second.id })).state === 'deleted',
      10_000,
      'the unlocked device deleted with its batch',
    );
  });

  it('terminates devices whose termination_time has come, giving their servers back, but not a locked one', async () => {
    const before = await available('ams1', 'm3.large.x86');
    const [past, lockedPast, future] = await deploy([
      { ...item('past'), quantity: 2, termination_time: '2020-01-01T00:00:00Z' },
      { ...item('locked'), locked: true, termination_time: '2020-01-01T00:00:00Z' },
      { ...item('future'), termination_time: '2098-01-01T00:00:00Z' },
    ]);
    const devicesOf = async (batch: BatchView) => (await finished(batch.id)).devices as DeviceView[];
    const [pastDevices, [lockedDevice], [futureDevice]] = await Promise.all([past, lockedPast, future].map(devicesOf));
    const state = async (device: DeviceView) =>
      unwrap(await request<DeviceView>(BatchSubjects.getDevice, { deviceId: device.id })).state;

    // The sweep every 200 ms deletes what is due by the clock.
    await eventually(
      async () => (await Promise.all(pastDevices.map(state))).every((s) => s === 'deleted'),
      10_000,
      'devices past their termination_time deleted',
    );
    await eventually(async () => (await available('ams1', 'm3.large.x86')) === before - 2, 10_000, 'servers back');
    expect(await state(lockedDevice)).toBe('active');
    expect(await state(futureDevice)).toBe('active');

    // A sweep at a later time (the clock passed in) finds the other one due.
    expect(await app.get(DeviceTerminator).sweep(new Date('2098-01-01T00:00:01Z'))).toBe(1);
    await eventually(async () => (await state(futureDevice)) === 'deleted', 10_000, 'the device due by then deleted');
    expect(await state(lockedDevice)).toBe('active');
  });

  it("embeds each batch's devices in a page of batches when asked, at most 10,000 on a page", async () => {
    const own = await createProject(request);
    const list = (extra: Record<string, unknown>) =>
      request<{ batches: BatchView[]; meta: { self: { href: string } } }>(BatchSubjects.listBatches, {
        projectId: own.projectId,
        ...extra,
      });
    unwrap(await request(CatalogSubjects.setCapacity, { facility: 'dfw1', plan: 'c1.small.x86', total: 20_000 }));
    /** `count` batches of `quantity` servers each, once every one has finished. */
    const deployFinished = async (count: number, quantity: number) => {
      const batches = Array.from({ length: count }, () => ({
        ...item('many'),
        plan: 'c1.small.x86',
        facility: 'dfw1',
        quantity,
      }));
      const created = unwrap(
        await request<{ batches: BatchView[] }>(BatchSubjects.createBatches, { projectId: own.projectId, batches }),
      ).batches;
      await Promise.all(created.map((b) => finished(b.id)));
    };
    await deployFinished(2, 3);
    const page = unwrap(await list({ includeDevices: true }));
    expect(page.batches.map((b) => (b.devices as DeviceView[]).map((d) => d.id).length)).toEqual([3, 3]);
    expect((page.batches[0].devices as DeviceView[])[0]).toMatchObject({ hostname: 'many', state: 'active' });
    expect(page.meta.self.href).toBe(`/projects/${own.projectId}/batches?include=devices&page=1&per_page=10`);
    expect(unwrap(await list({})).batches[0].devices).toEqual(
      (page.batches[0].devices as DeviceView[]).map((d) => ({ href: d.href })),
    );

    await deployFinished(10, 1000);
    expect(await list({ includeDevices: true, perPage: 12 })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', details: [expect.stringMatching(/10006 devices .* more than 10000/)] },
    });
    // The ten newest hold exactly 10,000.
    const full = unwrap(await list({ includeDevices: true })).batches;
    expect(full.map((b) => b.devices.length)).toEqual(Array(10).fill(1000));
  });

  it('answers a page larger than NATS carries with an error saying so, at once, and goes on serving', async () => {
    const own = await createProject(request);
    // 64 KiB of userdata no compression shrinks, on each of 30 devices: about 2 MB compressed, past NATS's 1 MB.
    const userdata = randomBytes(48 * 1024).toString('base64');
    const [batch] = unwrap(
      await request<{ batches: BatchView[] }>(BatchSubjects.createBatches, {
        projectId: own.projectId,
        batches: [{ ...item('big'), plan: 'c3.medium.x86', facility: 'any', quantity: 30, userdata }],
      }),
    ).batches;
    // Waited for without its devices, which are too many to embed.
    await eventually(
      async () => unwrap(await request<BatchView>(BatchSubjects.getBatch, { batchId: batch.id })).state === 'completed',
      20_000,
      'the batch completed',
    );
    const page = (perPage: number) =>
      request<{ devices: DeviceView[] }>(BatchSubjects.listDevices, { projectId: own.projectId, perPage });
    expect(await page(30)).toMatchObject({
      ok: false,
      error: {
        code: 'validation_failed',
        message: expect.stringMatching(/larger than the bus carries \(1048576 bytes\)/),
      },
    });
    expect(unwrap(await page(5)).devices.map((d) => d.userdata)).toEqual(Array(5).fill(userdata));
    expect(await request(BatchSubjects.getBatch, { batchId: batch.id, includeDevices: true })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    expect(unwrap(await request<BatchView>(BatchSubjects.getBatch, { batchId: batch.id })).devices).toHaveLength(30);
  });

  it('shows a device quarantined by the update-resolver, and cleared again; a flag it cannot apply is parked, not fatal', async () => {
    const [queued] = await deploy([{ plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1' }]);
    const [device] = (await finished(queued.id)).devices as DeviceView[];
    // Written at schema version 1 (`deviceId`), as a log from before version 2 (`identifier`) holds them: the
    // orchestrator reads them upcast.
    const updates = await EventStore.open(env.nc, {
      stream: config.updateStream,
      subjectPrefix: config.updateSubjectPrefix,
    });
    const metadata = { actor: 'test' };
    // A device of the resolver's own naming (not a batch device) and a flag without an organization come first.
    await updates.append(
      updates.subjectFor('device', 'k1'),
      [{ type: 'DeviceQuarantined', data: { deviceId: 'dev-x', organizationId, reason: 'operator' } }],
      { expectedVersion: 'any', metadata },
    );
    await updates.append(
      updates.subjectFor('device', 'k2'),
      [{ type: 'DeviceQuarantined', data: { deviceId: 'no-org', reason: 'operator' } }],
      { expectedVersion: 'any', metadata },
    );
    const subject = updates.subjectFor('device', device.id);
    await updates.append(
      subject,
      [{ type: 'DeviceQuarantined', data: { deviceId: device.id, organizationId, reason: 'failure threshold' } }],
      { expectedVersion: 'any', metadata },
    );
    await eventually(
      async () => unwrap(await request<DeviceView>(BatchSubjects.getDevice, { deviceId: device.id })).quarantined,
      10_000,
      'quarantined',
    );
    await updates.append(subject, [{ type: 'DeviceUnquarantined', data: { deviceId: device.id, organizationId } }], {
      expectedVersion: 'any',
      metadata,
    });
    await eventually(
      async () => !unwrap(await request<DeviceView>(BatchSubjects.getDevice, { deviceId: device.id })).quarantined,
      10_000,
      'cleared',
    );
    const parked = await new PostgresParkedStore(app.get(DataSource), config.databaseSchema).list();
    expect(parked.map((p) => [p.consumer, p.streamSeq, p.eventTypes])).toEqual([
      ['device_quarantine', 2, ['DeviceQuarantined']],
    ]);
    expect(parked[0].error).toMatch(/organization_id/);
  });

  it("hides another organization's project, batches and devices", async () => {
    const other = await createProject(request);
    const [queued] = await deploy([{ plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1' }]);
    const batch = await finished(queued.id);
    const asOther = (subject: Subject, payload: unknown) => request(subject, payload, other.organizationId);
    expect(await asOther(BatchSubjects.getBatch, { batchId: queued.id })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await asOther(BatchSubjects.getDevice, { deviceId: (batch.devices[0] as DeviceView).id })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await asOther(BatchSubjects.listBatches, { projectId, perPage: 1000 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(
      await asOther(BatchSubjects.createBatches, {
        projectId,
        batches: [{ plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1' }],
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await asOther(BatchSubjects.deleteBatch, { batchId: queued.id })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await request(BatchSubjects.getBatch, { batchId: queued.id }, organizationId)).toMatchObject({ ok: true });
  });
});

describe('one device whose placement does not come in time', () => {
  let env: TestEnvironment;

  beforeAll(async () => {
    env = await openTestEnvironment('DEVICE');
  });

  afterAll(() => env.close());

  it('answers unavailable: withdrawn without a command id, standing with one, whose retry answers the device', async () => {
    // A short ack wait: a pull its stopped workflow left open may take a commit, which then comes back after it.
    const behind = await startOrchestrator(testConfig(env, { devicePlacementWaitMs: 300, workerAckWaitMs: 1_000 }));
    await behind.get(BatchWorkflowHost).beforeApplicationShutdown(); // its workflow stopped: nothing places
    const request = natsRequester(env);
    const { projectId } = await createProject(request);
    const capacity = async () =>
      unwrap(await request<Capacity>(CatalogSubjects.getCapacity, {})).capacity.sjc1['c3.medium.x86'].available;
    const before = await capacity();
    const device = { plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1' };

    const reply = await request(BatchSubjects.createDevice, { projectId, device });
    expect(reply).toMatchObject({
      ok: false,
      error: { code: 'unavailable', message: expect.stringMatching(/withdrawn: nothing was created/) },
    });
    const keyed = () => request<DeviceView>(BatchSubjects.createDevice, { projectId, device, commandId: 'k1' });
    expect(await keyed()).toMatchObject({
      ok: false,
      error: { code: 'unavailable', message: expect.stringMatching(/its request stands/) },
    });
    await behind.close();

    // An instance whose workflow runs places the standing request, and nothing for the withdrawn one.
    const running = await startOrchestrator(testConfig(env, { workerAckWaitMs: 1_000 }));
    try {
      const placed = unwrap(await keyed());
      await consumerCaughtUp(env.nc, env.stream, 'batch-worker', 10_000);
      const { devices } = unwrap(await request<{ devices: DeviceView[] }>(BatchSubjects.listDevices, { projectId }));
      expect(devices.map((d) => d.id)).toEqual([placed.id]);
      expect(await capacity()).toBe(before - 1);
      expect(unwrap(await keyed()).id).toBe(placed.id);
    } finally {
      await running.close();
    }
  });

  it('answers a device placed but still provisioning, as Metal answers, with no command id and no withdrawal', async () => {
    // A provisioner far slower than the wait (bare metal takes minutes): the answer does not wait for it.
    const slow = await startOrchestrator(
      testConfig(env, { devicePlacementWaitMs: 2_000, provisioner: { delayMs: 4_000, failureRate: 0 } }),
    );
    try {
      const request = natsRequester(env);
      const { projectId } = await createProject(request);
      const device = { plan: 'c3.medium.x86', operating_system: 'debian_12', facility: 'sjc1', locked: true };
      const answered = unwrap(await request<DeviceView>(BatchSubjects.createDevice, { projectId, device }));
      expect(answered).toMatchObject({ state: 'provisioning', locked: true });
      // Its batch shows it while it is provisioned, as Metal's does, in the batch and in the project's history.
      const batchId = answered.batch.href.split('/').pop() as string;
      const inProgress = { id: batchId, state: 'in_progress', devices: [{ href: answered.href }] };
      expect(unwrap(await request<BatchView>(BatchSubjects.getBatch, { batchId }))).toMatchObject(inProgress);
      const history = unwrap(await request<{ batches: BatchView[] }>(BatchSubjects.listBatches, { projectId }));
      expect(history.batches).toMatchObject([inProgress]);
      const active = await eventually(
        async () => {
          const reply = await request<DeviceView>(BatchSubjects.getDevice, { deviceId: answered.id });
          return reply.ok && reply.data.state === 'active' ? reply.data : undefined;
        },
        15_000,
        'the device active',
      );
      expect(active.id).toBe(answered.id);
    } finally {
      await slow.close();
    }
  });
});
