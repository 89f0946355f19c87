import type { NextFunction, Request, Response } from 'express';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Authenticator } from './auth/authenticator';

/** The media types read as JSON: `application/json` and any `+json` type (`application/vnd.api+json`, ...). */
const JSON_TYPES = ['application/json', 'application/*+json'];

/** Whether the request carries a body at all: many clients send `Content-Length: 0` with a bodiless POST. */
const hasBody = (request: Request) =>
  request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;

/**
 * Bodies are JSON and at most `limit` bytes, and are read only from an authenticated caller: every route that takes a
 * body is an admin call, so a caller without a valid token is answered 401 before a byte of it is read or its type
 * looked at. A body of another type is then refused with 415: parsed as nothing, it would otherwise reach validation
 * as a missing body and be answered with misleading problems.
 */
export function acceptJsonBodies(app: NestExpressApplication, limit: number): void {
  const authenticator = app.get(Authenticator);
  app.use((request: Request & { caller?: unknown }, response: Response, next: NextFunction) => {
    if (!hasBody(request)) return next();
    authenticator.callerOf(request.headers).then(
      (caller) => {
        request.caller = caller;
        if (request.is(JSON_TYPES)) return next();
        const given = request.headers['content-type'] ?? 'none';
        response
          .status(415)
          .json({ errors: [`request body must be JSON (Content-Type: application/json), not ${given}`] });
      },
      // Answered as every other error is (HttpErrorFilter): 401, or 503 while the tenancy service is away.
      next,
    );
  });
  app.useBodyParser('json', { limit, type: JSON_TYPES });
}
