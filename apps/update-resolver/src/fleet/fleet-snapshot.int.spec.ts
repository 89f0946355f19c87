import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { hashCredential, Subject, UpdateSubjects } from '@flotilla/contracts';
import { busRequester } from '@flotilla/nest-platform';
import { freeLoopbackPort, openTestEnvironment, TEST_KEYS, TestEnvironment } from '@flotilla/testing';
import { createResolver } from '../bootstrap';
import { ResolverConfig } from '../config';
import { entriesOf } from '../test-fixtures/device-entries';
import { seedOrganization } from '../test-fixtures/organizations';
import { testConfig } from '../test-fixtures/test-config';
import { ResolveUpdateCommand, ResolveUpdateHandler } from '../device-api/resolve-update';
import { FLEET_SNAPSHOT_FORMAT } from './fleet-snapshot';
import { FleetSnapshotter } from './fleet-snapshotter';
import { FleetRepositories } from './fleet-repositories';
import { FleetView } from './fleet-view';

const ORG = '6f1c2f7e-8a53-4f7a-9d0e-3b8a4b7c1d02';
const FIRMWARES = [
  { uuid: '11111111-1111-4111-8111-111111111111', version: '1.0.0' },
  { uuid: '22222222-2222-4222-8222-222222222222', version: '1.1.0' },
  { uuid: '33333333-3333-4333-8333-333333333333', version: '2.0.0' },
].map((f) => ({ ...f, product: 'gateway-x', architecture: 'arm', platform: 'rpi4' }));

/** A view's contents in an order of its own, to compare two views. */
function contentsOf(app: INestApplication) {
  const contents = app.get(FleetView).contents();
  if (!contents) throw new Error('the view has no stream yet');
  const byKey =
    <T>(key: (item: T) => string) =>
    (a: T, b: T) =>
      key(a).localeCompare(key(b));
  return {
    ...contents,
    skipped: [...contents.skipped].sort(),
    products: [...contents.products].sort(byKey((p) => p.name)),
    firmwares: [...contents.firmwares].sort(byKey((f) => f.uuid)),
    deployments: [...contents.deployments].sort(byKey((d) => d.deploymentId)),
    devices: entriesOf(contents.devices).sort(byKey((d) => d.identifier)),
    quarantinedOn: FIRMWARES.map((f) => app.get(FleetView).ruleFacts.quarantinedOn(ORG, f)),
  };
}

describe('fleet-view snapshots', () => {
  let env: TestEnvironment;
  let config: ResolverConfig;
  const apps: INestApplication[] = [];
  const credentials = new Map<string, string>();

  const admin = async (subject: Subject, extra: Record<string, unknown>) => {
    const send = busRequester(env.nc, TEST_KEYS.FLOTILLA_BUS_KEY, { prefix: env.rpcPrefix });
    const reply = await send<Record<string, any>>(subject, { organizationId: ORG, product: 'gateway-x', ...extra });
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    return reply.data;
  };
  /** A device check on one instance, as the device API would send it. */
  const check = (app: INestApplication, credential: string, firmware: (typeof FIRMWARES)[number], preflight = true) =>
    app
      .get(ResolveUpdateHandler)
      .execute(
        new ResolveUpdateCommand(
          { credentialHash: hashCredential(credential), headers: firmware, preflight },
          {
            actor: 'test',
            organizationId: null,
            principal: { kind: 'root', actor: 'test', issuedAt: Date.now() },
            correlationId: undefined,
          },
        ),
      )
      .then(
        (answer) => ({ ...answer, firmware_url: answer.firmware_url?.split('?')[0] ?? null }) as unknown,
        (err: Error) => ({ refused: err.message }),
      );
  const register = async (identifier: string, tags: string[]) =>
    credentials.set(
      identifier,
      (await admin(UpdateSubjects.registerDevice, { body: { device: { identifier, tags } } })).credential,
    );
  const start = async (overrides: Partial<ResolverConfig> = {}) => {
    const app = await createResolver({ ...config, healthPort: await freeLoopbackPort(), ...overrides });
    apps.push(app);
    return app;
  };
  const caughtUp = async (...instances: INestApplication[]) => {
    const end = (await (await env.nc.jetstreamManager()).streams.info(env.stream)).state.last_seq;
    for (const app of instances) await app.get(FleetView).waitFor(end, 20_000);
  };

  beforeAll(async () => {
    env = await openTestEnvironment('SNAP');
    config = { ...testConfig(env, { FLEET_SNAPSHOT_EVERY: '20' }), logLevel: 'error' };
    await seedOrganization(env, config, ORG);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await env.close();
  });

  it('a resolver started from a snapshot and the log after it answers exactly as one that read the whole log', async () => {
    const first = await start();
    expect(first.get(FleetView).startedFrom).toBe(0);
    await admin(UpdateSubjects.createProduct, { body: { product: { name: 'gateway-x' } } });
    for (const { uuid, version, architecture, platform } of FIRMWARES)
      await admin(UpdateSubjects.createFirmware, {
        body: {
          firmware: { uuid, version, architecture, platform, artifact_url: `https://cdn.example.com/${version}` },
        },
      });
    const deployment = (name: string, firmware: string, tags: string[], version = '~> 1.0') =>
      admin(UpdateSubjects.createDeployment, {
        body: { deployment: { name, firmware, conditions: { tags, version }, is_active: false } },
      }).then(() => admin(UpdateSubjects.updateDeployment, { name, body: { deployment: { is_active: true } } }));
    await deployment('beta', FIRMWARES[1].uuid, ['beta']);
    await deployment('major', FIRMWARES[2].uuid, ['major'], '>= 1.0.0');
    await deployment('doomed', FIRMWARES[1].uuid, ['nobody']);
    await admin(UpdateSubjects.deleteDeployment, { name: 'doomed' });
    await admin(UpdateSubjects.quarantineDeployment, { name: 'major' });
    for (let i = 0; i < 12; i++) await register(`dev-${i}`, [['beta'], ['major'], ['beta', 'major']][i % 3]);
    // Attempts (one and two per device), a firmware report, a quarantine, a rotation, a retag, a retirement.
    for (let i = 0; i < 12; i++) await check(first, credentials.get(`dev-${i}`)!, FIRMWARES[0], false);
    for (let i = 0; i < 4; i++) await check(first, credentials.get(`dev-${i}`)!, FIRMWARES[0], false);
    await check(first, credentials.get('dev-5')!, FIRMWARES[1], false);
    await admin(UpdateSubjects.quarantineDevice, { identifier: 'dev-6' });
    await admin(UpdateSubjects.quarantineDevice, { identifier: 'dev-10' });
    credentials.set('dev-7', (await admin(UpdateSubjects.rotateCredential, { identifier: 'dev-7' })).credential);
    await admin(UpdateSubjects.updateDevice, { identifier: 'dev-8', body: { device: { tags: ['major'] } } });
    await first
      .get(FleetRepositories)
      .executeOnDevice(
        ORG,
        'dev-9',
        { type: 'RetireDevice', identifier: 'dev-9', organizationId: ORG },
        { metadata: { actor: 'test' } },
      );
    await caughtUp(first);

    // Due: the log is more than FLEET_SNAPSHOT_EVERY commits past the newest snapshot (there is none).
    const taken = await first.get(FleetSnapshotter).takeIfDue();
    expect(taken).toBeGreaterThan(20);
    expect(await first.get(FleetSnapshotter).takeIfDue()).toBeNull();

    // The log goes on after the snapshot.
    await register('dev-12', ['beta']);
    await check(first, credentials.get('dev-12')!, FIRMWARES[0], false);
    await admin(UpdateSubjects.unquarantineDevice, { identifier: 'dev-6' });
    await admin(UpdateSubjects.quarantineDevice, { identifier: 'dev-1' });
    await admin(UpdateSubjects.unquarantineDeployment, { name: 'major' });
    await admin(UpdateSubjects.updateDeployment, {
      name: 'major',
      body: { deployment: { conditions: { tags: ['major'], version: '>= 1.1.0' } } },
    });
    await check(first, credentials.get('dev-3')!, FIRMWARES[0], false);

    const fromSnapshot = await start();
    const fromLog = await start({ databaseSchema: `${config.databaseSchema}_whole_log` });
    expect(fromSnapshot.get(FleetView).startedFrom).toBe(taken);
    expect(fromLog.get(FleetView).startedFrom).toBe(0);
    await caughtUp(first, fromSnapshot, fromLog);

    const expected = contentsOf(fromLog);
    expect(expected.devices).toHaveLength(13);
    // What the snapshot holds still shows at the end: attempts from before it, a quarantine, a retirement.
    expect(expected.deployments.find((d) => d.name === 'beta')?.attempts.length).toBeGreaterThan(4);
    expect(expected.devices.filter((d) => d.quarantined).map((d) => d.identifier)).toEqual(
      expect.arrayContaining(['dev-1', 'dev-10']),
    );
    expect(expected.devices.find((d) => d.identifier === 'dev-9')?.retired).toBe(true);
    // And what a check decides on beside the table: each device's last commit, and attempts where it has some.
    expect([...expected.checking.versions].every((version) => version > 0)).toBe(true);
    expect(expected.checking.attempts.size).toBeGreaterThan(4);
    expect(contentsOf(fromSnapshot)).toEqual(expected);
    expect(contentsOf(first)).toEqual(expected);
    for (const [identifier, credential] of credentials)
      for (const firmware of FIRMWARES) {
        const answer = await check(fromLog, credential, firmware);
        expect({ identifier, answer: await check(fromSnapshot, credential, firmware) }).toEqual({ identifier, answer });
      }
    expect(await check(fromLog, credentials.get('dev-9')!, FIRMWARES[0])).toEqual({ refused: expect.any(String) });
  });

  it('passes over a snapshot of another format, one that does not match its checksum, or one past the end of the stream, and reads the whole log', async () => {
    const snapshots = `"${config.databaseSchema}".fleet_snapshots`;
    const db = apps[0].get(DataSource);
    const expected = contentsOf(apps[0]);

    // These take no snapshots of their own (the newest must stay the one under test).
    const never = { snapshots: { every: 1e9, checkMs: 600_000, atStop: 1e9 } };
    await db.query(`update ${snapshots} set format = $1`, [FLEET_SNAPSHOT_FORMAT - 1]);
    const olderFormat = await start(never);
    expect(olderFormat.get(FleetView).startedFrom).toBe(0);
    await caughtUp(olderFormat);
    expect(contentsOf(olderFormat)).toEqual(expected);

    await db.query(`update ${snapshots} set format = $1`, [FLEET_SNAPSHOT_FORMAT]);
    const parts = `"${config.databaseSchema}".fleet_snapshot_parts`;
    const [{ count }] = await db.query(`select count(*)::int as count from ${parts} where data like '%dev-4%'`);
    expect(count).toBeGreaterThan(0);
    await db.query(`update ${parts} set data = replace(data, 'dev-4', 'dev-X')`);
    const tampered = await start(never);
    expect(tampered.get(FleetView).startedFrom).toBe(0);
    await caughtUp(tampered);
    expect(contentsOf(tampered)).toEqual(expected);

    // A stream restored from an older backup keeps its identity: a snapshot past its end tells of commits it lacks.
    await db.query(`update ${parts} set data = replace(data, 'dev-X', 'dev-4')`);
    await db.query(`update ${snapshots} set stream_seq = stream_seq + 1000`);
    const ahead = await start(never);
    expect(ahead.get(FleetView).startedFrom).toBe(0);
    await caughtUp(ahead);
    expect(contentsOf(ahead)).toEqual(expected);
  });

  it('writes its view down when told to stop, if the log has moved on since the newest snapshot', async () => {
    const db = apps[0].get(DataSource);
    await db.query(`delete from "${config.databaseSchema}".fleet_snapshots`);
    const stopping = await start({ snapshots: { every: 1e9, checkMs: 600_000, atStop: 1 } });
    await caughtUp(stopping);
    const at = stopping.get(FleetView).streamSeq;
    apps.splice(apps.indexOf(stopping), 1);
    await stopping.close();
    const [{ newest }] = await db.query(
      `select max(stream_seq)::int as newest from "${config.databaseSchema}".fleet_snapshots`,
    );
    expect(newest).toBe(at);
    const next = await start({ snapshots: { every: 1e9, checkMs: 600_000, atStop: 1e9 } });
    expect(next.get(FleetView).startedFrom).toBe(at);
  });
});
