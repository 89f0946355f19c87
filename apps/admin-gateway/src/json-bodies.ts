import type { NextFunction, Request, Response } from 'express';
import { json } from 'express';
import { NestExpressApplication } from '@nestjs/platform-express';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '@flotilla/contracts';
import { Authenticator } from './auth/authenticator';

/** The media types read as JSON: `application/json` and any `+json` type (`application/vnd.api+json`, ...). */
const JSON_TYPES = ['application/json', 'application/*+json'];

/** Whether the request carries a body at all: many clients send `Content-Length: 0` with a bodiless POST. */
const hasBody = (request: Request) =>
  request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;

/** What the body parser fails with: an error with the status it calls for and a type naming the failure. */
interface ParserFailure {
  status?: number;
  type?: string;
  limit?: number;
  message: string;
}

/**
 * A body the parser refused, answered as every other bad input: `{"errors": [...]}` with a 4xx. Null for a failure
 * of the parser's own (a 5xx): that is a bug, answered 500 and logged by HttpErrorFilter.
 */
function refusal(failure: ParserFailure): { status: number; error: string } | null {
  if (failure.type === 'entity.too.large')
    return { status: 413, error: `request body is larger than the limit of ${failure.limit} bytes` };
  if (failure.type === 'entity.parse.failed')
    return { status: 422, error: `request body is not valid JSON: ${failure.message}` };
  // An unsupported charset or content encoding (415), a body shorter than its length (400), ...
  const status = failure.status ?? 500;
  if (status < 400 || status >= 500) return null;
  return { status: status === 400 ? 422 : status, error: `request body could not be read: ${failure.message}` };
}

/**
 * Bodies are JSON objects of at most `limit` bytes, and are read only from an authenticated caller: every route that
 * takes a body is an admin call, so a caller without a valid token is answered 401 before a byte of it is read or its
 * type looked at. A body of another type is refused with 415: parsed as nothing, it would otherwise reach validation as
 * a missing body and be answered with misleading problems. A JSON body that is an array, a bare string, number or
 * `null` is valid JSON, and is told so: 422, it must be an object (no route takes another, and one whose fields are all
 * optional would otherwise take it for an empty object); so is one nested deeper than `MAX_JSON_DEPTH`.
 */
export function acceptJsonBodies(app: NestExpressApplication, limit: number): void {
  const authenticator = app.get(Authenticator);
  const parse = json({ limit, type: JSON_TYPES, strict: false });
  app.use((request: Request & { caller?: unknown }, response: Response, next: NextFunction) => {
    if (!hasBody(request)) return next();
    const refuse = (status: number, error: string) => void response.status(status).json({ errors: [error] });
    authenticator.callerOf(request.headers).then(
      (caller) => {
        request.caller = caller;
        if (!request.is(JSON_TYPES)) {
          const given = request.headers['content-type'] ?? 'none';
          return refuse(415, `request body must be JSON (Content-Type: application/json), not ${given}`);
        }
        parse(request, response, (failure?: ParserFailure) => {
          if (failure) {
            const refused = refusal(failure);
            return refused ? refuse(refused.status, refused.error) : next(failure);
          }
          const body: unknown = request.body;
          if (body === null || typeof body !== 'object' || Array.isArray(body)) {
            const kind = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
            return refuse(422, `request body must be a JSON object, not ${kind}`);
          }
          if (nestsDeeperThan(body)) return refuse(422, `request body nests deeper than ${MAX_JSON_DEPTH} levels`);
          next();
        });
      },
      // Answered as every other error is (HttpErrorFilter): 401, or 503 while the tenancy service is away.
      next,
    );
  });
}
