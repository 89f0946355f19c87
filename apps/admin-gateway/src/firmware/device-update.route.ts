import { createHash } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import { ErrorCodes, UpdateSubjects } from '@flotilla/contracts';
import { remoteErrorAnswer } from '../http-error.filter';
import { NatsRpcClient, RemoteError } from '../nats-rpc.client';

const PERIDIO_HEADERS = ['uuid', 'product', 'version', 'architecture', 'platform'] as const;

/**
 * The device API (firmware-deployments.md §2): a device asks which firmware it should run. A fleet polls it all day,
 * so it is served by a lean handler ahead of Nest's pipeline and the request log: its work is one NATS request.
 * Registered before Nest's routes and middleware; documented in the API document by `deviceUpdateOperation`.
 */
export function serveDeviceUpdates(app: NestExpressApplication): void {
  const rpc = app.get(NatsRpcClient);
  app
    .getHttpAdapter()
    .getInstance()
    .get('/device/update', async (request: Request, response: Response) => {
      try {
        response.status(200).json({ data: await check(rpc, request) });
      } catch (err) {
        if (!(err instanceof RemoteError)) throw err;
        const { status, body } = remoteErrorAnswer(err);
        response.status(status).json(body);
      }
    });
}

async function check(rpc: NatsRpcClient, { headers, query }: Request) {
  const credential = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  if (!credential)
    throw new RemoteError({
      code: ErrorCodes.unauthorized,
      message: 'missing device credential (Authorization: Bearer …)',
    });
  const { preflight } = query;
  if (preflight !== undefined && preflight !== 'true' && preflight !== 'false')
    throw new RemoteError({ code: ErrorCodes.validationFailed, message: 'preflight must be true or false' });
  const peridio = Object.fromEntries(PERIDIO_HEADERS.map((name) => [name, headers[`x-peridio-${name}`]]));
  return rpc.call(UpdateSubjects.resolve, {
    credentialHash: createHash('sha256').update(credential).digest('hex'),
    headers: peridio,
    preflight: preflight === 'true',
  });
}

const header = (name: string, description?: string) => ({
  name,
  in: 'header',
  required: true,
  schema: { type: 'string' },
  ...(description ? { description } : {}),
});

/** The device route in the API document (Nest does not see it). */
export const deviceUpdateOperation = {
  tags: ['device'],
  operationId: 'deviceUpdate',
  summary: "A device's check: the firmware it should run (Bearer credential and x-peridio-* headers)",
  security: [{ device: [] }],
  parameters: [
    header('x-peridio-uuid', "the firmware's uuid the device runs"),
    ...['product', 'version', 'architecture', 'platform'].map((name) => header(`x-peridio-${name}`)),
    { name: 'preflight', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] } },
  ],
  responses: {
    '200': {
      description: 'the answer',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/UpdateAnswer' } } },
    },
    '4XX': {
      description: '401 without a valid credential, 422 without the headers or with a bad preflight',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    },
    '5XX': {
      description: '503 when the update-resolver does not answer',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    },
  },
};
