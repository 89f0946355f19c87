import { INestApplication } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { hashCredential, RequestHeaders, ResolveRequest, subjectOn, UpdateSubjects } from '@flotilla/contracts';
import { connectTestNats, freeLoopbackPorts, uniqueName } from '@flotilla/testing';
import { createGateway } from '../bootstrap';
import { testGatewayConfig } from '../test-fixtures/gateway-config';

/**
 * An upgrade that reaches the gateways before the update-resolvers: the resolvers of the release before answer
 * `resolve` alone, one check per request, so no one listens on `resolveMany` yet. Such a resolver is stood in for by a
 * plain responder on `resolve`, answering as it did.
 */
describe('device checks while no resolver takes them together yet', () => {
  let nc: NatsConnection;
  let app: INestApplication;
  let base: string;
  let prefix: string;

  beforeAll(async () => {
    nc = await connectTestNats();
    prefix = uniqueName('fleet').toLowerCase();
    const [port] = await freeLoopbackPorts(1);
    app = await createGateway({
      ...testGatewayConfig(port, 0),
      nats: { servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' },
      rpcPrefix: prefix,
    });
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await app.close();
    await nc.close();
  });

  it('sends each check as a request of its own and answers every device as that resolver did', async () => {
    const known = hashCredential('dev-known');
    const asked: { payload: ResolveRequest; correlationId?: string }[] = [];
    nc.subscribe(subjectOn(prefix, UpdateSubjects.resolve), {
      callback: (_, message) => {
        const payload = JSON.parse(Buffer.from(message.data).toString('utf8')) as ResolveRequest;
        asked.push({ payload, correlationId: message.headers?.get(RequestHeaders.correlationId) });
        const reply =
          payload.credentialHash === known
            ? {
                ok: true,
                data: { update_available: false, firmware_url: null, firmware_meta: null, deployment_id: null },
              }
            : { ok: false, error: { code: 'unauthorized', message: 'unknown device or bad credential' } };
        message.respond(Buffer.from(JSON.stringify(reply)));
      },
    });
    await nc.flush();

    const check = (credential: string, requestId: string) =>
      fetch(`${base}/device/update`, {
        headers: {
          authorization: `Bearer ${credential}`,
          'x-request-id': requestId,
          'x-peridio-uuid': '6d0a5c1e-7b0f-4b3e-9a53-1f6c1f3f2a10',
        },
      });
    // Sent together, so the gateway gathers them into one turn as it would for a busy fleet.
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => check('dev-known', `check-${i}`)),
      check('dev-unknown', 'check-unknown'),
    ]);

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 401]);
    expect(await answers[0].json()).toEqual({
      data: { update_available: false, firmware_url: null, firmware_meta: null, deployment_id: null },
    });
    expect(asked).toHaveLength(6);
    expect(asked.map((a) => a.correlationId).sort()).toEqual([
      'check-0',
      'check-1',
      'check-2',
      'check-3',
      'check-4',
      'check-unknown',
    ]);
    expect(asked[0].payload).toEqual({
      credentialHash: expect.any(String),
      headers: expect.objectContaining({ uuid: '6d0a5c1e-7b0f-4b3e-9a53-1f6c1f3f2a10' }),
      preflight: false,
    });
  });
});
