import { createHash, randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import {
  Reply,
  ResolveManyPart,
  Subject,
  subjectOn,
  UpdateAggregates,
  UpdateAnswer,
  UpdateEventSchema,
  UpdateLimits,
  UpdateSubjects,
} from '@flotilla/contracts';
import { DataSource } from 'typeorm';
import { aggregateKey } from '@flotilla/update-domain';
import { EventStore } from '@flotilla/event-store';
import { busRequester, busRequestParts, decodeReply } from '@flotilla/nest-platform';
import {
  eventually,
  freeLoopbackPort,
  metricSum,
  openTestEnvironment,
  TEST_KEYS,
  TestEnvironment,
} from '@flotilla/testing';
import { createResolver } from '../bootstrap';
import { FleetRepositories } from '../fleet/fleet-repositories';
import { ResolverConfig } from '../config';
import { seedOrganization } from '../test-fixtures/organizations';
import { testConfig } from '../test-fixtures/test-config';
import { verifyFirmwareUrl } from './signed-url';

const ORG = '6f1c2f7e-8a53-4f7a-9d0e-3b8a4b7c1d01';
const FW1 = '11111111-1111-4111-8111-111111111111';
const FW2 = '22222222-2222-4222-8222-222222222222';

describe('device checks over NATS', () => {
  let env: TestEnvironment;
  let config: ResolverConfig;
  const apps: INestApplication[] = [];

  const request = <T>(subject: Subject, payload: unknown): Promise<Reply<T>> =>
    busRequester(env.nc, TEST_KEYS.FLOTILLA_BUS_KEY, { prefix: env.rpcPrefix })<T>(subject, payload);
  const ok = async <T>(subject: Subject, payload: unknown): Promise<T> => {
    const reply = await request<T>(subject, payload);
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    return reply.data;
  };
  const admin = (subject: Subject, extra: Record<string, unknown>) =>
    ok<Record<string, any>>(subject, { organizationId: ORG, product: 'gateway-x', ...extra });
  const hash = (credential: string) => createHash('sha256').update(credential).digest('hex');
  const current = { uuid: FW1, product: 'gateway-x', version: '1.0.0', architecture: 'arm', platform: 'rpi4' };
  const check = (credential: string, preflight = false, headers: Record<string, string> = current) =>
    request<UpdateAnswer>(UpdateSubjects.resolve, { credentialHash: hash(credential), headers, preflight });
  const openStore = () =>
    EventStore.open(env.nc, { stream: config.stream, subjectPrefix: config.subjectPrefix, ...UpdateEventSchema });
  const events = async (type: string) => {
    const store = await openStore();
    const found = [];
    for await (const commit of store.readRange()) for (const e of commit.events) if (e.type === type) found.push(e);
    return found;
  };
  const streamMessages = async () => (await (await env.nc.jetstreamManager()).streams.info(env.stream)).state.messages;

  const healthPorts: number[] = [];
  async function startInstance() {
    const healthPort = await freeLoopbackPort();
    healthPorts.push(healthPort);
    apps.push(await createResolver({ ...config, healthPort, logLevel: 'error' }));
  }
  /** The sum of a metric's samples (of every instance) whose labels include these. */
  const metric = async (name: string, labels: Record<string, string>) => {
    let sum = 0;
    for (const port of healthPorts) sum += await metricSum(`http://127.0.0.1:${port}/metrics`, name, labels);
    return sum;
  };

  beforeAll(async () => {
    env = await openTestEnvironment('RESOLVE');
    config = testConfig(env);
    await seedOrganization(env, config, ORG);
    await startInstance();
    await admin(UpdateSubjects.createProduct, { body: { product: { name: 'gateway-x' } } });
    for (const [uuid, version] of [
      [FW1, '1.0.0'],
      [FW2, '1.1.0'],
    ]) {
      await admin(UpdateSubjects.createFirmware, {
        body: {
          firmware: {
            uuid,
            version,
            architecture: 'arm',
            platform: 'rpi4',
            artifact_url: `https://cdn.example.com/${version}.fw`,
          },
        },
      });
    }
    await admin(UpdateSubjects.createDeployment, {
      body: {
        deployment: {
          name: 'beta',
          firmware: FW2,
          conditions: { tags: ['beta'], version: '~> 1.0' },
          is_active: false,
        },
      },
    });
    await admin(UpdateSubjects.updateDeployment, { name: 'beta', body: { deployment: { is_active: true } } });
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await env.close();
  });

  const register = async (identifier: string, tags = ['beta']) =>
    (await admin(UpdateSubjects.registerDevice, { body: { device: { identifier, tags } } })).credential as string;

  it("offers the deployment's firmware with a signed URL; threshold 3: checks 1–3 offered, check 4 quarantines", async () => {
    const credential = await register('dev-1');
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await check(credential));
    const [first] = answers;
    expect(first).toMatchObject({
      ok: true,
      data: { update_available: true, firmware_meta: { uuid: FW2, version: '1.1.0' }, deployment_id: null },
    });
    expect(first.ok && verifyFirmwareUrl(first.data.firmware_url as string, config.urlSigningKey)).toBe(true);
    expect(
      first.ok &&
        verifyFirmwareUrl((first.data.firmware_url as string).replace('1.1.0', '1.2.0'), config.urlSigningKey),
    ).toBe(false);
    expect(answers.map((a) => a.ok && a.data.update_available)).toEqual([true, true, true, false, false]);
    // Checks do not wait for the Postgres read model (they never touch it); the admin view catches up.
    await eventually(
      async () => (await admin(UpdateSubjects.getDevice, { identifier: 'dev-1' })).device.quarantined,
      10_000,
      'quarantine in the read model',
    );
    const quarantined = (await events('DeviceQuarantined')).filter(
      (e) => (e.data as { identifier: string }).identifier === 'dev-1',
    );
    expect(quarantined.map((e) => (e.data as { reason: string }).reason)).toEqual(['device_failure_threshold']);
  });

  it('a preflight check is no attempt; a check that offers nothing writes nothing', async () => {
    const credential = await register('dev-2');
    await check(credential); // first check records the device's firmware
    const before = await streamMessages();
    expect(await check(credential, true)).toMatchObject({
      ok: true,
      data: { update_available: true, firmware_url: null },
    });
    const other = await register('dev-3', ['stable']);
    await check(other);
    const quiet = await streamMessages();
    expect(await check(other)).toMatchObject({
      ok: true,
      data: { update_available: false, firmware_url: null, firmware_meta: null },
    });
    expect(await streamMessages()).toBe(quiet);
    expect(quiet).toBe(before + 2); // dev-3's registration and its first firmware report, nothing from the preflight
  });

  it('answers bad credentials and headers with errors, never a crash', async () => {
    expect(await check('nope')).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const credential = await register('dev-4');
    expect(await check(credential, false, { product: 'gateway-x' })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    expect(await request(UpdateSubjects.resolve, { headers: 7 })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    // The device check is answered outside Nest's pipeline: an unsigned request is refused all the same.
    const unsigned = await env.nc.request(
      subjectOn(env.rpcPrefix, UpdateSubjects.resolve),
      Buffer.from(JSON.stringify({ credentialHash: hash(credential), headers: current })),
    );
    expect(decodeReply(unsigned)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const answer = await check(credential, false, {
      ...current,
      version: 'not-semver',
      uuid: '33333333-3333-4333-8333-333333333333',
    });
    expect(answer).toMatchObject({ ok: true, data: { update_available: false } });
  });

  it.each(['>= 1.0', '>= 1. 0.0'])(
    'refuses a deployment whose version condition %j does not parse',
    async (version) => {
      const reply = await request(UpdateSubjects.createDeployment, {
        organizationId: ORG,
        product: 'gateway-x',
        body: { deployment: { name: 'bad', firmware: FW2, conditions: { tags: ['x'], version }, is_active: false } },
      });
      expect(reply).toMatchObject({
        ok: false,
        error: {
          code: 'validation_failed',
          details: [`conditions.version "${version}" is not a valid version requirement`],
        },
      });
    },
  );

  it('counts device checks by outcome, and commands and queries by subject and outcome with their latency', async () => {
    expect(await metric('flotilla_device_checks_total', { outcome: 'offered', preflight: 'false' })).toBeGreaterThan(0);
    expect(await metric('flotilla_device_checks_total', { outcome: 'up_to_date' })).toBeGreaterThan(0);
    expect(await metric('flotilla_device_checks_total', { outcome: 'unauthorized' })).toBeGreaterThan(0);
    const resolved = { subject: 'update.cmd.resolve', kind: 'command' };
    const before = await metric('flotilla_bus_requests_total', { ...resolved, outcome: 'ok' });
    expect(before).toBeGreaterThan(0);
    await check('no-such-credential');
    expect(await metric('flotilla_bus_requests_total', { ...resolved, outcome: 'unauthorized' })).toBeGreaterThan(0);
    const credential = await register('dev-metrics');
    const beforeRegistered = await metric('flotilla_bus_requests_total', { ...resolved, outcome: 'ok' });
    await check(credential, true);
    expect(beforeRegistered).toBe(before);
    expect(await metric('flotilla_bus_requests_total', { ...resolved, outcome: 'ok' })).toBe(before + 1);
    expect(await metric('flotilla_bus_request_duration_seconds_count', { ...resolved, outcome: 'ok' })).toBe(
      before + 1,
    );
    expect(await metric('flotilla_bus_requests_total', { subject: 'update.query.get-device', kind: 'query' })).toBe(
      await metric('flotilla_bus_request_duration_seconds_count', { subject: 'update.query.get-device' }),
    );
  });

  it("explains a device's answer", async () => {
    await register('dev-5', ['stable']);
    await check((await admin(UpdateSubjects.rotateCredential, { identifier: 'dev-5' })).credential);
    const { explanation } = await admin(UpdateSubjects.explainUpdate, { identifier: 'dev-5' });
    expect(explanation.chosen).toBeNull();
    expect(explanation.deployments[0]).toMatchObject({ deployment_id: expect.any(String), eligible: false });
    expect(explanation.deployments[0].checks.find((c: { condition: string }) => c.condition === 'tags')).toMatchObject({
      held: false,
      detail: 'device lacks tags: beta',
    });
  });

  it('tells a root caller that names an organization the log never had that it is not found, and creates nothing', async () => {
    const nowhere = { organizationId: '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6' };
    const notFound = { ok: false, error: { code: 'not_found', message: 'organization not found' } };
    expect(await request(UpdateSubjects.createProduct, { ...nowhere, body: { product: { name: 'p' } } })).toMatchObject(
      notFound,
    );
    expect(await request(UpdateSubjects.listProducts, nowhere)).toMatchObject(notFound);
    expect(await events('ProductCreated')).not.toContainEqual(
      expect.objectContaining({ data: expect.objectContaining(nowhere) }),
    );
  });

  it('refuses a deployment past the per-product limit, and takes one again once another is deleted', async () => {
    const crowded = { organizationId: ORG, product: 'crowded' };
    await ok(UpdateSubjects.createProduct, { ...crowded, body: { product: { name: 'crowded' } } });
    const firmware = '33333333-3333-4333-8333-333333333333';
    const fields = { uuid: firmware, version: '1.0.0', architecture: 'arm', platform: 'rpi4' };
    await ok(UpdateSubjects.createFirmware, {
      ...crowded,
      body: { firmware: { ...fields, artifact_url: 'https://cdn.example.com/c.fw' } },
    });
    const create = (name: string) =>
      request(UpdateSubjects.createDeployment, {
        ...crowded,
        body: { deployment: { name, firmware, conditions: { tags: ['crowded'] } } },
      });
    const limit = UpdateLimits.deploymentsPerProduct;
    for (let from = 0; from < limit; from += 100) {
      const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => create(`d${from + i}`)));
      expect(replies.every((reply) => reply.ok)).toBe(true);
    }
    expect(await create('one-too-many')).toMatchObject({
      ok: false,
      error: {
        code: 'validation_failed',
        details: [`product crowded holds ${limit} deployments, the most it may: delete one first`],
      },
    });
    expect(await create('d1')).toMatchObject({ ok: false, error: { code: 'conflict' } });
    await ok(UpdateSubjects.deleteDeployment, { ...crowded, name: 'd0' });
    expect(await create('one-more')).toMatchObject({ ok: true });
  });

  it("lists every problem of an operator's request at once, the catalog's beside the fields'", async () => {
    const before = await streamMessages();
    const unknown = '44444444-4444-4444-8444-444444444444';
    const refused = (subject: Subject, extra: Record<string, unknown>) =>
      request(subject, { organizationId: ORG, product: 'gateway-x', ...extra });
    expect(
      await refused(UpdateSubjects.createDeployment, {
        body: { deployment: { name: '', firmware: unknown, conditions: { tags: ['x'], version: '>= 1 .0' } } },
      }),
    ).toMatchObject({
      ok: false,
      error: {
        code: 'validation_failed',
        details: [
          'name must be 1 to 255 characters',
          `firmware ${unknown} is not a firmware of product gateway-x`,
          'conditions.version ">= 1 .0" is not a valid version requirement',
        ],
      },
    });
    expect(
      await refused(UpdateSubjects.updateDeployment, {
        name: 'beta',
        body: { deployment: { firmware: unknown, failure_rate: 0 } },
      }),
    ).toMatchObject({
      ok: false,
      error: {
        details: [
          `firmware ${unknown} is not a firmware of product gateway-x`,
          'failure_rate must be an integer from 1 to 2147483647',
        ],
      },
    });
    expect(
      await refused(UpdateSubjects.registerDevice, { body: { device: { identifier: ' ', tags: [''] } } }),
    ).toMatchObject({
      ok: false,
      error: { details: ['identifier must be 1 to 255 characters', expect.stringMatching(/^tags must be an array/)] },
    });
    expect(await streamMessages()).toBe(before);
  });

  it('50 concurrent checks past the threshold, on two instances: exactly one DeviceQuarantined', async () => {
    await startInstance();
    const credential = await register('dev-many');
    const answers = await Promise.all(Array.from({ length: 50 }, () => check(credential)));
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(answers.filter((a) => a.ok && a.data.update_available)).toHaveLength(3);
    const quarantined = (await events('DeviceQuarantined')).filter(
      (e) => (e.data as { identifier: string }).identifier === 'dev-many',
    );
    expect(quarantined).toHaveLength(1);
    const attempts = (await events('UpdateRequested')).filter(
      (e) => (e.data as { identifier: string }).identifier === 'dev-many',
    );
    expect(attempts).toHaveLength(3);
  });

  it('on two instances, each request finds what the one before it created, whichever instance answered that', async () => {
    while (apps.length < 2) await startInstance();
    for (let i = 0; i < 20; i++) {
      const product = `relay-${i}`;
      const inProduct = (subject: Subject, extra: Record<string, unknown>) => admin(subject, { product, ...extra });
      await ok(UpdateSubjects.createProduct, { organizationId: ORG, body: { product: { name: product } } });
      const uuid = randomUUID();
      const firmware = { uuid, version: '2.0.0', architecture: 'arm', platform: 'rpi4', artifact_url: 'https://x/f' };
      await inProduct(UpdateSubjects.createFirmware, { body: { firmware } });
      await inProduct(UpdateSubjects.createDeployment, {
        body: { deployment: { name: 'd', firmware: uuid, conditions: { tags: ['relay'] } } },
      });
      await inProduct(UpdateSubjects.registerDevice, { body: { device: { identifier: `${product}-dev`, tags: [] } } });
      await inProduct(UpdateSubjects.quarantineDevice, { identifier: `${product}-dev` });
    }
  });

  it('falls back to the firmware named by uuid when headers are missing, and records a firmware change once', async () => {
    const credential = await register('dev-meta');
    const before = await streamMessages();
    expect(await check(credential, true, { uuid: FW1 })).toMatchObject({
      ok: true,
      data: { update_available: true, firmware_meta: { uuid: FW2 } },
    });
    // it runs the target
    expect(await check(credential, true, { uuid: FW2 })).toMatchObject({ ok: true, data: { update_available: false } });
    expect(await streamMessages()).toBe(before); // preflight checks write nothing, not even a firmware change
    await check(credential, false, { uuid: FW1 });
    await check(credential, false, { uuid: FW2 });
    await check(credential, false, { uuid: FW2 });
    const changes = (await events('DeviceFirmwareChanged')).filter(
      (e) => (e.data as { identifier: string }).identifier === 'dev-meta',
    );
    expect(changes.map((e) => (e.data as { to: { uuid: string } }).to.uuid)).toEqual([FW1, FW2]);
  });

  it("answers a preflight check as a real one would, the device's failure rules included", async () => {
    const credential = await register('dev-pre');
    for (let i = 0; i < 3; i++)
      expect(await check(credential)).toMatchObject({ ok: true, data: { update_available: true } });
    const before = await streamMessages();
    // A fourth real check would quarantine the device (threshold 3): preflight says no update, and writes nothing.
    expect(await check(credential, true)).toMatchObject({
      ok: true,
      data: { update_available: false, firmware_url: null },
    });
    expect(await streamMessages()).toBe(before);
    // With other firmware reported, its attempts count afresh: a real check would be offered the update.
    const other = { ...current, uuid: '44444444-4444-4444-8444-444444444444' };
    expect(await check(credential, true, other)).toMatchObject({
      ok: true,
      data: { update_available: true, firmware_url: null },
    });
    expect(await streamMessages()).toBe(before);
  });

  it('lets an operator retag a device, and quarantine, inspect and delete a deployment', async () => {
    const credential = await register('dev-ops', ['stable']);
    expect(await check(credential)).toMatchObject({ ok: true, data: { update_available: false } });
    expect(
      (await admin(UpdateSubjects.updateDevice, { identifier: 'dev-ops', body: { device: { tags: ['beta'] } } })).device
        .tags,
    ).toEqual(['beta']);
    expect(await check(credential, true)).toMatchObject({ ok: true, data: { update_available: true } });

    expect((await admin(UpdateSubjects.quarantineDeployment, { name: 'beta' })).deployment).toMatchObject({
      quarantined: true,
      quarantine_reason: 'operator',
    });
    expect(await check(credential, true)).toMatchObject({ ok: true, data: { update_available: false } });
    const { health } = await admin(UpdateSubjects.deploymentHealth, { name: 'beta' });
    expect(health).toMatchObject({ quarantined: true, rules: { device_failure_threshold: { limit: 3 } } });
    expect(health.attempts_total).toBeGreaterThan(0);
    expect((await admin(UpdateSubjects.unquarantineDeployment, { name: 'beta' })).deployment.quarantined).toBe(false);
    expect(await check(credential, true)).toMatchObject({ ok: true, data: { update_available: true } });

    await admin(UpdateSubjects.createDeployment, {
      body: { deployment: { name: 'doomed', firmware: FW2, conditions: { tags: ['nobody'] }, is_active: false } },
    });
    expect(await admin(UpdateSubjects.deleteDeployment, { name: 'doomed' })).toEqual({ deleted: true });
    expect(
      await request(UpdateSubjects.getDeployment, { organizationId: ORG, product: 'gateway-x', name: 'doomed' }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('counts attempts afresh for a deployment recreated under the same name, or given new firmware', async () => {
    const FW3 = '55555555-5555-4555-8555-555555555555';
    await admin(UpdateSubjects.createFirmware, {
      body: {
        firmware: {
          uuid: FW3,
          version: '1.2.0',
          architecture: 'arm',
          platform: 'rpi4',
          artifact_url: 'https://cdn.example.com/1.2.0.fw',
        },
      },
    });
    const deploy = async () => {
      await admin(UpdateSubjects.createDeployment, {
        body: { deployment: { name: 'again', firmware: FW2, conditions: { tags: ['again'] }, is_active: false } },
      });
      await admin(UpdateSubjects.updateDeployment, { name: 'again', body: { deployment: { is_active: true } } });
    };
    await deploy();
    const credential = await register('dev-again', ['again']);
    for (let i = 0; i < 3; i++)
      expect(await check(credential)).toMatchObject({ ok: true, data: { update_available: true } });
    // a fourth would quarantine it
    expect(await check(credential, true)).toMatchObject({ ok: true, data: { update_available: false } });

    await admin(UpdateSubjects.deleteDeployment, { name: 'again' });
    await deploy();
    expect(await check(credential, true)).toMatchObject({ ok: true, data: { update_available: true } });
    for (let i = 0; i < 2; i++)
      expect(await check(credential)).toMatchObject({ ok: true, data: { update_available: true } });

    // Two attempts since the recreation; with new firmware, three more are offered before the rules bite.
    await admin(UpdateSubjects.updateDeployment, { name: 'again', body: { deployment: { firmware: FW3 } } });
    for (let i = 0; i < 3; i++)
      expect(await check(credential)).toMatchObject({
        ok: true,
        data: { update_available: true, firmware_meta: { uuid: FW3 } },
      });
    expect(await check(credential, true)).toMatchObject({ ok: true, data: { update_available: false } });
    expect(
      (await events('DeviceQuarantined')).filter((e) => (e.data as { identifier: string }).identifier === 'dev-again'),
    ).toEqual([]);
  });

  it("decides a device's first preflight check on a fresh instance on its newest snapshot and the commits since", async () => {
    // On one instance: a check that writes nothing decides on its instance's view, which may not hold yet a change
    // another instance has just recorded, so a device changing firmware every few milliseconds would race it.
    for (const app of apps.splice(1)) await app.close();
    const credential = await register('dev-long');
    const target = { ...current, uuid: FW2, version: '1.1.0' };
    // Reporting the old and the new firmware in turn: a change every check, with an attempt every other one.
    for (let i = 0; i < 20; i++) await check(credential, false, i % 2 ? current : target);
    const store = await openStore();
    const subject = store.subjectFor(UpdateAggregates.device, aggregateKey(ORG, 'dev-long'));
    const snapshots = (): Promise<{ version: string; data: string }[]> =>
      apps[0]
        .get(DataSource)
        .query(`select version, data from "${config.databaseSchema}".aggregate_snapshots where subject = $1`, [
          subject,
        ]);
    const [snapshot] = await eventually(async () => {
      const rows = await snapshots();
      return rows.length ? rows : undefined;
    });
    const { commits } = await store.readAggregate(subject);
    expect(commits.map((c) => c.events.map((e) => e.type).join('+'))).toEqual([
      'DeviceRegistered',
      ...Array.from({ length: 10 }, () => ['DeviceFirmwareChanged', 'DeviceFirmwareChanged+UpdateRequested']).flat(),
    ]);
    // Taken at one of its commits, once it had made at least `deviceSnapshotEvery` of them.
    expect(commits.map((c) => c.streamSeq)).toContain(Number(snapshot.version));
    expect(Number(snapshot.version)).toBeGreaterThanOrEqual(commits[config.deviceSnapshotEvery - 1].streamSeq);

    // What only the snapshot says (the log never had the device quarantined) shows which state a new instance used.
    const data = JSON.parse(snapshot.data);
    await apps[0]
      .get(DataSource)
      .query(`update "${config.databaseSchema}".aggregate_snapshots set data = $2 where subject = $1`, [
        subject,
        JSON.stringify({ ...data, state: { ...data.state, quarantined: true } }),
      ]);
    for (const app of apps.splice(0)) await app.close();
    await startInstance();
    // A preflight reads the aggregate; a check that writes decides on the view's copy, when it has one (next test).
    expect(await check(credential, true, current)).toMatchObject({ ok: true, data: { update_available: false } });

    // Retired, it keeps no snapshot: the one it had is dropped.
    await apps[0]
      .get(FleetRepositories)
      .executeOnDevice(
        ORG,
        'dev-long',
        { type: 'RetireDevice', identifier: 'dev-long', organizationId: ORG },
        { metadata: { actor: 'test' } },
      );
    await eventually(async () => (await snapshots()).length === 0, 5_000, 'the snapshot dropped');
  });

  it("decides a check that writes on the view's copy of its device, reading nothing from the log before it", async () => {
    const credential = await register('dev-viewed'); // cached where it was registered: checked on a fresh instance
    for (const app of apps.splice(0)) await app.close();
    await startInstance();
    const store = apps[0].get(EventStore);
    const reads = [jest.spyOn(store, 'lastCommitOf'), jest.spyOn(store, 'aggregateCommits')];
    expect(await check(credential)).toMatchObject({ ok: true, data: { update_available: true } });
    for (const read of reads) expect(read).not.toHaveBeenCalled();
    // The next ones decide on the view once it holds the attempt, else (behind) on the log: the same answers as the
    // aggregate's, threshold 3 included.
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await check(credential));
    expect(answers.map((a) => a.ok && a.data.update_available)).toEqual([true, true, false, false]);
    const quarantined = (await events('DeviceQuarantined')).filter(
      (e) => (e.data as { identifier: string }).identifier === 'dev-viewed',
    );
    expect(quarantined.map((e) => (e.data as { reason: string }).reason)).toEqual(['device_failure_threshold']);
    reads.forEach((read) => read.mockRestore());
  });

  it('answers many checks in one request, each as alone, those that only read in a part ahead of those that append', async () => {
    const upToDate = await register('many-stable', ['stable']);
    await check(upToDate); // records its firmware: from here on its checks only read
    const offered = [await register('many-beta-1'), await register('many-beta-2')];
    const checks = [
      { credentialHash: hash(offered[0]), headers: current, correlationId: 'req-1' },
      { credentialHash: hash(upToDate), headers: current },
      { credentialHash: hash('nope'), headers: current },
      { credentialHash: hash(offered[1]), headers: current, preflight: true },
      { credentialHash: hash(offered[1]), headers: { product: 'gateway-x' } },
    ];
    const parts: ResolveManyPart['answers'][] = [];
    const answered = new Set<number>();
    await busRequestParts<ResolveManyPart>(
      env.nc,
      subjectOn(env.rpcPrefix, UpdateSubjects.resolveMany),
      { checks },
      { principal: { kind: 'root', actor: 'test' }, key: TEST_KEYS.FLOTILLA_BUS_KEY },
      (reply) => {
        if (!reply.ok) throw new Error(JSON.stringify(reply.error));
        parts.push(reply.data.answers);
        for (const { check } of reply.data.answers) answered.add(check);
        return answered.size === checks.length;
      },
    );
    const answers = parts.flat().sort((a, b) => a.check - b.check);
    expect(answers.map((a) => a.check)).toEqual([0, 1, 2, 3, 4]); // each once
    expect(answers.map((a) => a.reply)).toMatchObject([
      { ok: true, data: { update_available: true, firmware_meta: { uuid: FW2 } } },
      { ok: true, data: { update_available: false } },
      { ok: false, error: { code: 'unauthorized' } },
      { ok: true, data: { update_available: true, firmware_url: null } },
      { ok: false, error: { code: 'validation_failed' } },
    ]);
    // The checks that only read came in the first part, the attempt (an append) after them.
    expect(parts.length).toBeGreaterThan(1);
    expect(parts[0].map((a) => a.check)).toEqual(expect.arrayContaining([1, 2, 4]));
    expect(parts[0].map((a) => a.check)).not.toContain(0);
    // Recorded with the correlation of the request it answers.
    const attempts = [];
    for await (const commit of (await openStore()).readRange())
      if (commit.metadata.correlationId === 'req-1') attempts.push(...commit.events.map((e) => e.type));
    expect(attempts).toEqual(['DeviceFirmwareChanged', 'UpdateRequested']); // its first check: firmware and attempt

    for (const [payload, problem] of [
      [{ checks: [] }, 'checks should not be empty'],
      [{ checks: Array(257).fill(checks[1]) }, 'checks must hold at most 256'],
      [{ checks: [{ credentialHash: 7, headers: current }] }, 'checks.0.credentialHash must be a string'],
    ] as const)
      expect(await request(UpdateSubjects.resolveMany, payload)).toMatchObject({
        ok: false,
        error: { code: 'validation_failed', details: expect.arrayContaining([expect.stringContaining(problem)]) },
      });
  });

  it('answers checks that offer nothing without Postgres', async () => {
    const credential = await register('dev-no-db', ['stable']);
    await check(credential); // records its firmware
    await env.db.drop(); // Postgres is gone for this service from here on
    expect(await check(credential)).toMatchObject({ ok: true, data: { update_available: false } });
  });
});
