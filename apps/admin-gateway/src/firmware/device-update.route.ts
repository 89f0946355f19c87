import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  ErrorCodes,
  hashCredential,
  Reply,
  ResolveCheck,
  resolveManyParts,
  takeAnswers,
  UpdateAnswer,
  UpdateSubjects,
} from '@flotilla/contracts';
import { requestIdOf, TurnBatch } from '@flotilla/nest-platform';
import { INTERNAL_ERROR_BODY, remoteErrorAnswer, retryHeaders } from '../http-error.filter';
import { NatsRpcClient, RemoteError } from '../nats-rpc.client';
import { putInFront } from '../in-front';
import { queryFlag } from '../query-filters';

const PERIDIO_HEADERS = ['uuid', 'product', 'version', 'architecture', 'platform'] as const;
export const DEVICE_UPDATE_PATH = '/device/update';
/** Matched as Express matched it before: any case, with or without a trailing slash. */
const DEVICE_UPDATE_ROUTE = new RegExp(`^${DEVICE_UPDATE_PATH}/?$`, 'i');
export const isDeviceUpdate = (path: string) => DEVICE_UPDATE_ROUTE.test(path);

/**
 * The device API (firmware-deployments.md §2): a device asks which firmware it should run. A fleet polls it all day,
 * so it is answered by a plain `node:http` handler ahead of Express and Nest (their router, middleware and request
 * log cost more than the check), and the checks that arrive in one turn of the event loop go to the resolver as one
 * request (`resolveMany`). Every other request goes on to Express as before. Documented in the API document by
 * `deviceUpdateOperation`.
 */
export function serveDeviceUpdates(app: NestExpressApplication): void {
  const rpc = app.get(NatsRpcClient);
  const logger = new Logger('device-api');
  const checks: DeviceChecks = new TurnBatch(
    (items, answer) =>
      rpc
        .callInParts(UpdateSubjects.resolveMany, { checks: items }, CHECKS_CALLER, (part) => takeAnswers(part, answer))
        .catch((err: unknown) => {
          // No resolver has `resolveMany` yet (an upgrade that reached the gateways first): one request per check.
          if (!(err instanceof RemoteError && err.noResponders)) throw err;
          return resolveEach(rpc, items, answer);
        }),
    resolveManyParts,
  );
  putInFront(app, (request, response, framework) => {
    const [path, query = ''] = (request.url ?? '').split('?', 2);
    if (!isDeviceUpdate(path) || (request.method !== 'GET' && request.method !== 'HEAD'))
      return framework(request, response);
    answer(checks, request, new URLSearchParams(query), response, logger).catch((err) =>
      logger.error({ msg: 'device check not answered', error: String(err) }),
    );
  });
}

type DeviceChecks = TurnBatch<ResolveCheck, UpdateAnswer>;

/** Who sends device checks on the bus: the gateway itself, as root; the resolver records each device as its actor. */
const CHECKS_CALLER = { actor: 'admin-gateway', organizationId: null };

/** The checks as a resolver of a release before `resolveMany` takes them: each its own `resolve` request. */
async function resolveEach(
  rpc: NatsRpcClient,
  items: ResolveCheck[],
  answer: (index: number, reply: Reply<UpdateAnswer>) => boolean,
): Promise<void> {
  await Promise.all(
    items.map(({ correlationId, ...check }, index) =>
      rpc.call(UpdateSubjects.resolve, check, { ...CHECKS_CALLER, correlationId }).then(
        (data) => answer(index, { ok: true, data }),
        (err: unknown) => {
          if (!(err instanceof RemoteError)) throw err;
          answer(index, { ok: false, error: err.error });
        },
      ),
    ),
  );
}

/** Devices turned away by an outage come back over this many seconds (a million polling devices are 3.3k a second). */
const DEVICE_RETRY_SPREAD_SECONDS = 60;

async function answer(
  checks: DeviceChecks,
  request: IncomingMessage,
  query: URLSearchParams,
  response: ServerResponse,
  logger: Logger,
): Promise<void> {
  let status = 200;
  let body: unknown;
  try {
    body = { data: await check(checks, request, query) };
  } catch (err) {
    if (err instanceof RemoteError) ({ status, body } = remoteErrorAnswer(err));
    else {
      logger.error({ msg: 'device check failed', error: String(err) });
      [status, body] = [500, INTERNAL_ERROR_BODY];
    }
  }
  const json = Buffer.from(JSON.stringify(body));
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': json.length,
    ...retryHeaders(status, DEVICE_RETRY_SPREAD_SECONDS),
  });
  response.end(request.method === 'HEAD' ? undefined : json);
}

async function check(checks: DeviceChecks, { headers, method }: IncomingMessage, query: URLSearchParams) {
  const credential = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
  if (!credential)
    throw new RemoteError({
      code: ErrorCodes.unauthorized,
      message: 'missing device credential (Authorization: Bearer …)',
    });
  const given = query.getAll('preflight');
  const preflight = given.length === 0 ? false : given.length === 1 ? queryFlag(given[0]) : undefined;
  if (preflight === undefined)
    throw new RemoteError({ code: ErrorCodes.validationFailed, message: 'preflight must be true or false' });
  // Node joins repeated headers of these names into one string.
  const peridio = Object.fromEntries(
    PERIDIO_HEADERS.map((name) => [name, headers[`x-peridio-${name}`] as string | undefined]),
  );
  const reply = await checks.add({
    credentialHash: hashCredential(credential),
    headers: peridio,
    // HEAD is a safe method: it asks as a preflight does and is never an attempt.
    preflight: preflight || method === 'HEAD',
    correlationId: requestIdOf(headers), // as tagRequests set it
  });
  if (!reply.ok) throw new RemoteError(reply.error);
  return reply.data;
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
    {
      name: 'preflight',
      in: 'query',
      required: false,
      description: 'true: the same answer without a firmware URL, and not an attempt (as a HEAD request is)',
      schema: { type: 'string', enum: ['true', 'false'] },
    },
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
      description: '503 when the update-resolver does not answer (Retry-After: 1–60 s, spread)',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    },
  },
};
