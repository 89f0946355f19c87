import type { IncomingMessage } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Counter, Histogram } from 'prom-client';
import { HealthRegistry } from '@flotilla/nest-platform';
import { DEVICE_UPDATE_PATH, isDeviceUpdate } from './firmware/device-update.route';
import { putInFront } from './in-front';

/** Probes and scrapes are not traffic: counting them would only dilute the ratios the alerts read. */
const UNCOUNTED = /^\/(health|metrics)(\/|$|\?)/;

/**
 * Counts every answer the gateway gives, device checks included, by method, route and status, and times it: what
 * callers see, 401s, 413s and the 503s of a service that does not answer included, which no service's own metrics can
 * count. The route is Express's template (`/projects/:id/devices`), never the path, so ids add no series; a request
 * answered before any route took it (a 404, a body refused by size or type) is `none`. Installed around whatever
 * answers requests, so it sees every one.
 */
export function measureHttpRequests(app: NestExpressApplication): void {
  const registry = app.get(HealthRegistry).metrics;
  const requests = new Counter({
    name: 'flotilla_http_requests_total',
    help: 'HTTP requests the gateway answered, by method, route and status ("aborted": the client left first)',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'flotilla_http_request_duration_seconds',
    help: 'Time from a request to the end of its answer, by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  putInFront(app, (request, response, next) => {
    const url = request.url ?? '';
    if (!UNCOUNTED.test(url)) {
      const started = performance.now();
      response.once('close', () => {
        const method = request.method ?? '';
        const route = routeOf(request, url);
        const status = response.writableFinished ? String(response.statusCode) : 'aborted';
        requests.inc({ method, route, status });
        duration.observe({ method, route }, (performance.now() - started) / 1000);
      });
    }
    next(request, response);
  });
}

function routeOf(request: IncomingMessage, url: string): string {
  const template = (request as IncomingMessage & { route?: { path?: unknown } }).route?.path;
  // Nest answers a path no route has from a catch-all (`{/*splat}`); none of the API's routes has a wildcard.
  if (typeof template === 'string') return template.includes('*') ? 'none' : template;
  return isDeviceUpdate(url.split('?', 1)[0]) ? DEVICE_UPDATE_PATH : 'none';
}
