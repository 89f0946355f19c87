import type { NextFunction, Request, Response } from 'express';
import { NestExpressApplication } from '@nestjs/platform-express';

/** The media types read as JSON: `application/json` and any `+json` type (`application/vnd.api+json`, ...). */
const JSON_TYPES = ['application/json', 'application/*+json'];

/** Whether the request carries a body at all: many clients send `Content-Length: 0` with a bodiless POST. */
const hasBody = (request: Request) =>
  request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;

/**
 * Bodies are JSON and at most `limit` bytes. A body of another type is refused with 415 before anything reads it:
 * parsed as nothing, it would otherwise reach validation as a missing body and be answered with misleading problems.
 */
export function acceptJsonBodies(app: NestExpressApplication, limit: number): void {
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (!hasBody(request) || request.is(JSON_TYPES)) return next();
    const given = request.headers['content-type'] ?? 'none';
    response.status(415).json({ errors: [`request body must be JSON (Content-Type: application/json), not ${given}`] });
  });
  app.useBodyParser('json', { limit, type: JSON_TYPES });
}
