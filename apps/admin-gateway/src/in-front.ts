import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** Sees a request before what answered the server's requests until now, and hands it on with `next` (or answers). */
export type FrontHandler = (request: IncomingMessage, response: ServerResponse, next: RequestListener) => void;

/** Puts `handler` in front of the app's HTTP server: ahead of Express and Nest, and of any handler put there before. */
export function putInFront(app: NestExpressApplication, handler: FrontHandler): void {
  const server: Server = app.getHttpServer();
  const [next] = server.listeners('request') as RequestListener[];
  server.removeListener('request', next);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => handler(request, response, next));
}
