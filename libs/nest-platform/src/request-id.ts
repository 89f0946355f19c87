import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A caller's own request id is kept when it is 1–128 visible ASCII characters: it goes into logs and the log. */
const CALLER_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The request's `X-Request-Id` if it is one to keep, else a new one. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && CALLER_REQUEST_ID.test(given) ? given : randomUUID();
}
