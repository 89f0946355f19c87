import type { NestExpressApplication } from '@nestjs/platform-express';
import { requestIdOf } from '@flotilla/nest-platform';
import { putInFront } from './in-front';

/**
 * Every answer carries `X-Request-Id`: the caller's own when it is one to keep, else a new one. It is the correlation
 * of the events the request writes (`GET /audit/...`) and the `req.id` of its log line, so a caller who quotes it can
 * be followed through both.
 */
export function tagRequests(app: NestExpressApplication): void {
  putInFront(app, (request, response, next) => {
    const id = requestIdOf(request.headers);
    request.headers['x-request-id'] = id;
    response.setHeader('X-Request-Id', id);
    next(request, response);
  });
}
