import { Controller, Get, Inject, Injectable, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ConsumerReport } from '@flotilla/event-store';

export type HealthCheck = () => Promise<{ ok: boolean; detail?: unknown }>;

/** Anything that consumes the log and can say how it is doing (projections, process managers, views). */
export interface ReportingConsumer {
  readonly name: string;
  /** In memory, no I/O: what liveness asks. */
  readonly health: { liveness(): { alive: boolean; reason?: string } };
  /** With lag and parked counts (asks JetStream and Postgres): what readiness and metrics show. */
  report(): Promise<ConsumerReport>;
}

/** Liveness and readiness checks registered by the parts of an app, and its Prometheus registry. */
@Injectable()
export class HealthRegistry {
  readonly metrics = new Registry();
  private readonly readinessChecks = new Map<string, HealthCheck>();
  private readonly livenessChecks = new Map<string, HealthCheck>();
  private readonly consumers: ReportingConsumer[] = [];

  constructor(@Inject('SERVICE_NAME') service: string) {
    this.metrics.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.metrics });
    const reports = () => Promise.all(this.consumers.map((c) => c.report()));
    const gauge = (name: string, help: string, value: (r: ConsumerReport) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ['consumer'],
        registers: [this.metrics],
        async collect() {
          this.reset();
          for (const report of await reports()) {
            const v = value(report);
            if (v !== null) this.set({ consumer: report.consumer }, v);
          }
        },
      });
    gauge('flotilla_consumer_lag', 'Commits of the log not yet applied by the consumer', (r) => r.lag);
    gauge('flotilla_consumer_parked', 'Commits the consumer parked that wait for an operator', (r) => r.parked);
    gauge('flotilla_consumer_position', 'Last stream sequence the consumer applied', (r) => r.position);
    gauge('flotilla_consumer_failing', '1 while the consumer retries a failing commit', (r) => (r.failing ? 1 : 0));
  }

  /** A readiness check: the app should get no traffic while it fails. */
  register(name: string, check: HealthCheck): void {
    this.readinessChecks.set(name, check);
  }

  /** A liveness check: the process should be restarted while it fails (never a dependency's outage). */
  registerLiveness(name: string, check: HealthCheck): void {
    this.livenessChecks.set(name, check);
  }

  /**
   * Consumers of the log: readiness shows each one's lag, parked commits and failure, and fails while one is far
   * behind or has been failing for a while; liveness fails when one's loop has died or hung.
   */
  watchConsumers(consumers: ReportingConsumer[], { maxLag = 10_000, failingForMs = 10_000 } = {}): void {
    const first = this.consumers.length === 0;
    this.consumers.push(...consumers);
    if (!first) return;
    const reports = () => Promise.all(this.consumers.map((c) => c.report()));
    this.register('consumers', async () => {
      const all = await reports();
      const stuck = (r: ConsumerReport) =>
        r.failing !== null && Date.now() - Date.parse(r.failing.since) > failingForMs;
      return {
        ok: all.every((r) => r.alive && (r.lag ?? 0) < maxLag && !stuck(r)),
        detail: Object.fromEntries(all.map(({ consumer, ...rest }) => [consumer, rest])),
      };
    });
    this.registerLiveness('consumers', async () => {
      const dead = this.consumers.map((c) => ({ consumer: c.name, ...c.health.liveness() })).filter((c) => !c.alive);
      return { ok: dead.length === 0, detail: Object.fromEntries(dead.map((c) => [c.consumer, c.reason])) };
    });
  }

  readiness() {
    return run(this.readinessChecks);
  }

  liveness() {
    return run(this.livenessChecks);
  }
}

async function run(
  checks: Map<string, HealthCheck>,
): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; detail?: unknown }> }> {
  const results: Record<string, { ok: boolean; detail?: unknown }> = {};
  await Promise.all(
    [...checks].map(async ([name, check]) => {
      try {
        results[name] = await check();
      } catch (err) {
        results[name] = { ok: false, detail: String((err as Error).message ?? err) };
      }
    }),
  );
  return { ok: Object.values(results).every((r) => r.ok), checks: results };
}

/** A health answer in the API document: its verdict and each check's. */
const checksAnswer = (verdict: string, schema: object) => ({
  type: 'object',
  required: [verdict, 'checks'],
  properties: {
    [verdict]: schema,
    checks: {
      type: 'object',
      additionalProperties: { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' }, detail: {} } },
    },
  },
});

/** Health and metrics: public, as probes and scrapers call them (no credentials). */
@Controller()
export class HealthController {
  constructor(private readonly health: HealthRegistry) {}

  /** Whether the process can still do its work by itself: restarting it would help when this fails. */
  @Get('health/live')
  @ApiOperation({ summary: 'Liveness: 503 when restarting the process would help' })
  @ApiResponse({ status: 200, schema: checksAnswer('status', { enum: ['ok', 'failing'] }) })
  @ApiResponse({ status: 503, schema: checksAnswer('status', { enum: ['ok', 'failing'] }) })
  async live(@Res() res: Response) {
    const { ok, checks } = await this.health.liveness();
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'failing', checks });
  }

  /** Whether it should get traffic now: its dependencies answer and its read models are current. */
  @Get('health/ready')
  @ApiOperation({ summary: 'Readiness: NATS, Postgres and every consumer (position, lag, parked commits)' })
  @ApiResponse({ status: 200, schema: checksAnswer('ready', { type: 'boolean' }) })
  @ApiResponse({ status: 503, schema: checksAnswer('ready', { type: 'boolean' }) })
  async ready(@Res() res: Response) {
    const { ok, checks } = await this.health.readiness();
    res.status(ok ? 200 : 503).json({ ready: ok, checks });
  }

  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics' })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 200, schema: { type: 'string', example: 'flotilla_consumer_lag{consumer="batches"} 0' } })
  async metrics(@Res() res: Response) {
    res.type(this.health.metrics.contentType).send(await this.health.metrics.metrics());
  }
}
