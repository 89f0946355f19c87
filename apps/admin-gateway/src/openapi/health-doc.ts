import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse } from '@nestjs/swagger';
import { HealthController } from '@flotilla/nest-platform';

/** A Terminus health answer in the API document: the verdict and each indicator's, `up` or `down` with its detail. */
const indicators = { type: 'object', additionalProperties: { type: 'object', required: ['status'] } };
const healthAnswer = {
  type: 'object',
  required: ['status', 'details'],
  properties: {
    status: { enum: ['ok', 'error', 'shutting_down'] },
    info: indicators,
    error: indicators,
    details: indicators,
  },
};

const documented = (method: 'live' | 'ready' | 'metrics', ...decorators: MethodDecorator[]) =>
  applyDecorators(...decorators)(
    HealthController.prototype,
    method,
    Object.getOwnPropertyDescriptor(HealthController.prototype, method) as PropertyDescriptor,
  );

/**
 * The health and metrics routes every service serves, documented here, where the API document is made: the services
 * themselves then load no OpenAPI code (a sixth of a second of every start).
 */
export function documentHealthRoutes(): void {
  documented(
    'live',
    ApiOperation({ summary: 'Liveness: 503 when restarting the process would help' }),
    ApiResponse({ status: 200, schema: healthAnswer }),
    ApiResponse({ status: 503, schema: healthAnswer }),
  );
  documented(
    'ready',
    ApiOperation({ summary: 'Readiness: NATS, Postgres and every consumer (position, lag, parked commits)' }),
    ApiResponse({ status: 200, schema: healthAnswer }),
    ApiResponse({ status: 503, schema: healthAnswer }),
  );
  documented(
    'metrics',
    ApiOperation({ summary: 'Prometheus metrics' }),
    ApiProduces('text/plain'),
    ApiResponse({ status: 200, schema: { type: 'string', example: 'flotilla_consumer_lag{consumer="batches"} 0' } }),
  );
}
