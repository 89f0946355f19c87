import type { Server, ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { putInFront } from './in-front';

/**
 * Ends each kept-alive connection with the request it carries once the server stops. Node's `server.close()` ends only
 * the connections idle at that moment: one answering a request stays open after its answer, idle, until its
 * keep-alive timeout (65 s by default here, past a pod's grace period), and the gateway's stop waits for it. So from
 * then on every answer not yet begun says `Connection: close`, and the server's stop is over with its last answer.
 */
export function closeConnectionsOnStop(app: NestExpressApplication): void {
  const server: Server = app.getHttpServer();
  const answering = new Set<ServerResponse>();
  let stopping = false;
  putInFront(app, (request, response, next) => {
    if (stopping) response.shouldKeepAlive = false;
    answering.add(response);
    response.once('close', () => answering.delete(response));
    next(request, response);
  });
  // Nest stops the server through `close()`, so that is where stopping begins.
  const close = server.close.bind(server);
  server.close = (callback) => {
    stopping = true;
    for (const response of answering) if (!response.headersSent) response.shouldKeepAlive = false;
    return close(callback);
  };
}
