import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { Counter, Histogram } from 'prom-client';
import { kindOf } from '@flotilla/contracts';
import { catchError, Observable, tap, throwError } from 'rxjs';
import { HealthRegistry } from '../health/health';
import { replyErrorOf } from './rpc-exception.filter';

/**
 * Commands and queries by subject (as the registry names it, without the deployment's prefix) and outcome (`ok` or
 * the reply's error code), with their latency: `flotilla_bus_requests_total` and
 * `flotilla_bus_request_duration_seconds`. Requests refused before a handler (an unverified principal) count as
 * `unauthorized`.
 */
@Injectable()
export class BusMetrics implements NestInterceptor {
  private readonly requests: Counter<'subject' | 'kind' | 'outcome'>;
  private readonly duration: Histogram<'subject' | 'kind' | 'outcome'>;

  constructor(health: HealthRegistry) {
    const labelNames = ['subject', 'kind', 'outcome'] as const;
    this.requests = new Counter({
      name: 'flotilla_bus_requests_total',
      help: 'Commands and queries answered, by subject and outcome',
      labelNames,
      registers: [health.metrics],
    });
    this.duration = new Histogram({
      name: 'flotilla_bus_request_duration_seconds',
      help: 'Time to answer a command or query, by subject and outcome',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [health.metrics],
    });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const subject = this.subjectOf(context);
    const started = process.hrtime.bigint();
    return next.handle().pipe(
      tap(() => this.observe(subject, 'ok', started)),
      catchError((err) => {
        this.observe(subject, replyErrorOf(err).code, started);
        return throwError(() => err);
      }),
    );
  }

  /** A request refused before any handler ran. */
  refused(context: ExecutionContext, outcome: string): void {
    this.observe(this.subjectOf(context), outcome, process.hrtime.bigint());
  }

  private subjectOf(context: ExecutionContext): string {
    const [pattern] = [Reflect.getMetadata(PATTERN_METADATA, context.getHandler())].flat();
    return typeof pattern === 'string' ? pattern : 'unknown';
  }

  /** One answered request: its subject as the registry names it, its outcome, when it came in. */
  observe(subject: string, outcome: string, started: bigint): void {
    const labels = { subject, kind: kindOf(subject), outcome };
    this.requests.inc(labels);
    this.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
  }
}
