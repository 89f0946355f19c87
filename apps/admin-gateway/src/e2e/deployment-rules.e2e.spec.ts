import { UpdateEventSchema } from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import { eventually } from '@flotilla/testing';
import { RunningSystem, startRunningSystem } from '../test-fixtures/running-system';

const CURRENT = '0b0b0b0b-0000-4000-8000-000000000001';
const TARGET = '0b0b0b0b-0000-4000-8000-000000000002';

/**
 * The deployment failure rules (firmware-deployments.md §5) as devices and operators meet them: through the device
 * API and the admin API, with two resolver instances, one of them killed (SIGKILL) halfway.
 */
describe('deployment failure rules (e2e)', () => {
  let system: RunningSystem;
  let key: string;
  let products: string;

  const firmwareHeaders = (credential: string, uuid: string, version: string) => ({
    authorization: `Bearer ${credential}`,
    'x-peridio-uuid': uuid,
    'x-peridio-product': 'gw',
    'x-peridio-version': version,
    'x-peridio-architecture': 'arm',
    'x-peridio-platform': 'rpi4',
  });
  const register = async (identifier: string, tags: string[]) =>
    (await system.call('POST', `${products}/devices`, key, { device: { identifier, tags } })).body.credential as string;
  const check = (credential: string, uuid = CURRENT, version = '1.0.0') =>
    system.call('GET', '/device/update', null, undefined, firmwareHeaders(credential, uuid, version));
  const deployment = async (name: string) =>
    (await system.call('GET', `${products}/deployments/${name}`, key)).body.deployment;
  const quarantines = async (deploymentId: string) => {
    const store = await EventStore.reader(system.env.nc, {
      stream: `${system.env.stream}_UPD`,
      subjectPrefix: `evt.${system.env.stream.toLowerCase()}_upd`,
      ...UpdateEventSchema,
    });
    const found = [];
    for await (const commit of store.readRange())
      for (const e of commit.events)
        if (e.type === 'DeploymentQuarantined' && (e.data as { deploymentId: string }).deploymentId === deploymentId)
          found.push(e);
    return found;
  };
  async function killOneResolver() {
    const [victim] = system.resolvers.splice(0, 1);
    await victim.stop('SIGKILL');
    await system.startResolver();
  }

  beforeAll(async () => {
    system = await startRunningSystem('E2ER', {}, { withResolver: true });
    await system.startResolver();
    const organizationId = (await system.call('POST', '/organizations', system.rootToken, { name: 'Rules' })).body.id;
    key = (await system.call('POST', `/organizations/${organizationId}/api-keys`, system.rootToken, {})).body.token;
    products = `/orgs/${organizationId}/products/gw`;
    expect(
      (await system.call('POST', `/orgs/${organizationId}/products`, key, { product: { name: 'gw' } })).status,
    ).toBe(201);
    for (const [uuid, version] of [
      [CURRENT, '1.0.0'],
      [TARGET, '1.1.0'],
    ]) {
      await system.call('POST', `${products}/firmwares`, key, {
        firmware: {
          uuid,
          version,
          architecture: 'arm',
          platform: 'rpi4',
          artifact_url: `https://fw.example.com/${version}`,
        },
      });
    }
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('failure rate: a third device with two attempts in the window quarantines the deployment, once', async () => {
    const lenient = { device_failure_rate: 10, device_failure_rate_seconds: 3600, device_failure_threshold: 10 };
    const created = await system.call('POST', `${products}/deployments`, key, {
      deployment: {
        name: 'rate',
        firmware: TARGET,
        conditions: { tags: ['rate'] },
        failure_rate: 2,
        failure_rate_seconds: 3600,
        failure_threshold: 50,
        ...lenient,
        is_active: false,
      },
    });
    expect(created.status).toBe(201);
    await system.call('PUT', `${products}/deployments/rate`, key, { deployment: { is_active: true } });
    const devices = await Promise.all(['r1', 'r2', 'r3'].map((id) => register(id, ['rate'])));

    for (const credential of devices.slice(0, 2))
      for (let i = 0; i < 2; i++) expect((await check(credential)).body.data.update_available).toBe(true);
    await killOneResolver();
    // two devices with two attempts: at the limit, not past it
    expect((await deployment('rate')).quarantined).toBe(false);
    for (let i = 0; i < 2; i++) expect((await check(devices[2])).body.data.update_available).toBe(true);

    const quarantined = await eventually(
      async () => {
        const d = await deployment('rate');
        return d.quarantined ? d : undefined;
      },
      20_000,
      'deployment quarantined',
    );
    expect(quarantined.quarantine_reason).toBe('failure_rate');
    expect((await check(devices[0])).body.data.update_available).toBe(false);
    const health = (await system.call('GET', `${products}/deployments/rate/health`, key)).body.health;
    expect(health.rules.failure_rate).toMatchObject({ limit: 2, value: 3, broken: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await quarantines(quarantined.id)).toHaveLength(1);
  });

  it("failure threshold: more quarantined devices on the deployment's firmware than it allows quarantine it, once", async () => {
    const created = await system.call('POST', `${products}/deployments`, key, {
      deployment: {
        name: 'threshold',
        firmware: TARGET,
        conditions: { tags: ['threshold'] },
        failure_threshold: 1,
        is_active: false,
      },
    });
    await system.call('PUT', `${products}/deployments/threshold`, key, { deployment: { is_active: true } });
    const devices = await Promise.all(['t1', 't2'].map((id) => register(id, ['threshold'])));
    // Both already run the deployment's firmware (so they are offered nothing), then an operator takes them out.
    for (const credential of devices)
      expect((await check(credential, TARGET, '1.1.0')).body.data.update_available).toBe(false);

    expect((await system.call('POST', `${products}/devices/t1/quarantine`, key)).status).toBe(200);
    await killOneResolver();
    expect((await deployment('threshold')).quarantined).toBe(false); // one quarantined device: at the limit
    expect((await system.call('POST', `${products}/devices/t2/quarantine`, key)).status).toBe(200);

    const quarantined = await eventually(
      async () => {
        const d = await deployment('threshold');
        return d.quarantined ? d : undefined;
      },
      20_000,
      'deployment quarantined',
    );
    expect(quarantined.quarantine_reason).toBe('failure_threshold');
    const health = (await system.call('GET', `${products}/deployments/threshold/health`, key)).body.health;
    expect(health.rules.failure_threshold).toMatchObject({ limit: 1, value: 2, broken: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await quarantines(created.body.deployment.id)).toHaveLength(1);
  });
});
