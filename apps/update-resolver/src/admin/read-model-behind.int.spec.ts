import { INestApplication } from '@nestjs/common';
import { hashCredential, Reply, Subject, UpdateSubjects } from '@flotilla/contracts';
import { busRequester } from '@flotilla/nest-platform';
import {
  eventually,
  freeLoopbackPort,
  openTestEnvironment,
  setReadOnly,
  TEST_KEYS,
  TestEnvironment,
} from '@flotilla/testing';
import { createResolver } from '../bootstrap';
import { seedOrganization } from '../test-fixtures/organizations';
import { testConfig } from '../test-fixtures/test-config';

const ORG = '3c2d1e0f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';

describe('the update read model behind the log', () => {
  let env: TestEnvironment;
  let app: INestApplication;
  const request = <T>(subject: Subject, payload: unknown): Promise<Reply<T>> =>
    busRequester(env.nc, TEST_KEYS.FLOTILLA_BUS_KEY, { prefix: env.rpcPrefix })<T>(subject, payload);
  const product = (name: string) => request(UpdateSubjects.getProduct, { organizationId: ORG, product: name });
  const create = (name: string) =>
    request(UpdateSubjects.createProduct, { organizationId: ORG, body: { product: { name } } });

  beforeAll(async () => {
    env = await openTestEnvironment('RBEHIND');
    const config = testConfig(env);
    await seedOrganization(env, config, ORG);
    app = await createResolver({ ...config, healthPort: await freeLoopbackPort(), logLevel: 'error' });
  });

  afterAll(async () => {
    await app.close();
    await env.close();
  });

  it('answers 503, not 404, for what the log has and the read model not yet, and 404 once it has caught up', async () => {
    expect(await create('before')).toMatchObject({ ok: true });
    const behind = { ok: false, error: { code: 'unavailable' } };
    await setReadOnly(env.db, true);
    try {
      // Made (in the log), but the read model its answer comes from cannot have it.
      expect(await create('during')).toMatchObject({
        ok: false,
        error: { code: 'unavailable', message: expect.stringMatching(/change is made/) },
      });
      expect(await product('during')).toMatchObject(behind);
      // A credential is shown once: the answer says it was not, and how to get one.
      expect(
        await request(UpdateSubjects.registerDevice, {
          organizationId: ORG,
          product: 'before',
          body: { device: { identifier: 'dev-1', tags: [] } },
        }),
      ).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/rotate it/) } });
      expect(await product('never')).toMatchObject(behind);
      expect(await product('before')).toMatchObject({ ok: true });
    } finally {
      await setReadOnly(env.db, false);
    }
    await eventually(async () => (await product('during')).ok, 60_000, 'the product, once the read model caught up');
    expect(await product('never')).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('answers a keyed create that got a 503 with its first result when repeated, the credential included', async () => {
    expect(await create('keyed')).toMatchObject({ ok: true });
    const firmware = (commandId: string) =>
      request<{ firmware: { uuid: string } }>(UpdateSubjects.createFirmware, {
        organizationId: ORG,
        product: 'keyed',
        commandId,
        body: {
          firmware: { version: '1.0.0', architecture: 'arm', platform: 'rpi', artifact_url: 'https://f.example' },
        },
      });
    const register = () =>
      request<{ credential: string }>(UpdateSubjects.registerDevice, {
        organizationId: ORG,
        product: 'keyed',
        commandId: 'register-1',
        body: { device: { identifier: 'keyed-1', tags: [] } },
      });
    await setReadOnly(env.db, true);
    try {
      expect(await firmware('firmware-1')).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      expect(await register()).toMatchObject({
        ok: false,
        error: { code: 'unavailable', message: expect.stringMatching(/repeat the request with its Idempotency-Key/) },
      });
    } finally {
      await setReadOnly(env.db, false);
    }
    const repeated = await eventually(async () => {
      const answer = await firmware('firmware-1');
      return answer.ok ? answer.data : undefined;
    }, 60_000);
    const firmwares = await request<{ firmwares: { uuid: string }[] }>(UpdateSubjects.listFirmwares, {
      organizationId: ORG,
      product: 'keyed',
    });
    expect(firmwares).toMatchObject({ ok: true, data: { firmwares: [{ uuid: repeated.firmware.uuid }] } });

    const registered = await register();
    if (!registered.ok) throw new Error(`repeat refused: ${registered.error.message}`);
    const check = await request(UpdateSubjects.resolve, {
      credentialHash: hashCredential(registered.data.credential),
      headers: {
        uuid: repeated.firmware.uuid,
        product: 'keyed',
        version: '1.0.0',
        architecture: 'arm',
        platform: 'rpi',
      },
      preflight: true,
    });
    expect(check).toMatchObject({ ok: true });
  });
});
