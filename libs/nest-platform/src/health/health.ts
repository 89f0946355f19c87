import { Controller, Get, Inject, Injectable, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorFunction, HealthIndicatorService } from '@nestjs/terminus';
import type { Response } from 'express';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { answerWithin, type ConsumerReport, isNotFound } from '@flotilla/event-store';

export type HealthCheck = () => Promise<{ ok: boolean; detail?: unknown }>;

/** Anything that consumes the log and can say how it is doing (projections, process managers, views). */
export interface ReportingConsumer {
  readonly name: string;
  /** In memory, no I/O: what liveness asks. */
  readonly health: { liveness(): { alive: boolean; reason?: string } };
  /** With lag and parked counts (asks JetStream and Postgres): what readiness and metrics show. */
  report(): Promise<ConsumerReport>;
}

/**
 * The interval of the timer prom-client's event-loop metrics time (its default, set here so it is known): each
 * `nodejs_eventloop_lag_*` sample is that timer's interval, so the delay a task caused is a sample less this.
 */
export const EVENT_LOOP_SAMPLING_MS = 10;

/** Liveness and readiness checks registered by the parts of an app, and its Prometheus registry. */
@Injectable()
export class HealthRegistry {
  readonly metrics = new Registry();
  private readonly readinessChecks = new Map<string, HealthCheck>();
  private readonly livenessChecks = new Map<string, HealthCheck>();
  private readonly consumers: ReportingConsumer[] = [];
  /**
   * How long a check may take before it counts as down: a dependency that hangs (a black-holed connection waits
   * minutes) still gets its probe a prompt answer that says which check did not answer, within the probe's timeout.
   */
  checkTimeoutMs = 3_000;

  constructor(
    @Inject('SERVICE_NAME') service: string,
    private readonly indicators: HealthIndicatorService,
  ) {
    this.metrics.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.metrics, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLING_MS });
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
    gauge(
      'flotilla_consumer_busy_seconds',
      'How long the oldest work the consumer has in hand has run (a step that never ends grows here)',
      (r) => r.busySeconds,
    );
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
   * behind, or its lag cannot be told (JetStream not answering: nothing could be appended either), or it has been
   * failing for a while; liveness fails when one's loop has died or hung.
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
        ok: all.every((r) => r.alive && r.lag !== null && r.lag < maxLag && !stuck(r)),
        detail: Object.fromEntries(all.map(({ consumer, ...rest }) => [consumer, rest])),
      };
    });
    this.registerLiveness('consumers', async () => {
      const dead = this.consumers.map((c) => ({ consumer: c.name, ...c.health.liveness() })).filter((c) => !c.alive);
      return { ok: dead.length === 0, detail: Object.fromEntries(dead.map((c) => [c.consumer, c.reason])) };
    });
  }

  /**
   * The service's own event log, looked at with every scrape: `flotilla_event_stream_losing_history` is 1 while the
   * stream's settings would remove events (edited since the start, which refuses such a stream), and what would is
   * logged as an error once; the events go whether or not this instance serves, so readiness is left alone by that.
   * Readiness is down while the stream is gone: nothing can be written, and it is not made again empty in its place.
   */
  watchLog(log: {
    readonly stream: string;
    historyLosses(): Promise<string[]>;
    currentIdentity(): Promise<unknown>;
  }): void {
    this.register('log', () =>
      log.currentIdentity().then(
        () => ({ ok: true }),
        (err: unknown) => {
          if (!isNotFound(err)) throw err;
          return {
            ok: false,
            detail:
              `stream ${log.stream} is gone (deleted, or NATS's store lost): restore it from a backup ` +
              '(deploy/README.md, Backups); a running service does not make an empty one in its place',
          };
        },
      ),
    );
    const logger = new Logger('event-log');
    const timeoutMs = () => this.checkTimeoutMs;
    let said = '';
    new Gauge({
      name: 'flotilla_event_stream_losing_history',
      help: "1 while the event stream's settings would remove events it holds (max_age, limits that drop the oldest)",
      labelNames: ['stream'],
      registers: [this.metrics],
      async collect() {
        // JetStream not answering leaves the last reading: the rest of the scrape must not wait on it.
        const losses = await answerWithin(timeoutMs(), log.historyLosses(), () => null).catch(() => null);
        if (!losses) return;
        this.set({ stream: log.stream }, losses.length ? 1 : 0);
        const text = losses.join('; ');
        if (text && text !== said)
          logger.error({ msg: 'the event stream would lose events', stream: log.stream, losses });
        said = text;
      },
    });
  }

  /** The readiness checks as Terminus indicators: `up` or `down`, each with its detail. */
  readiness(): HealthIndicatorFunction[] {
    return this.asIndicators(this.readinessChecks);
  }

  /** The liveness checks as Terminus indicators. */
  liveness(): HealthIndicatorFunction[] {
    return this.asIndicators(this.livenessChecks);
  }

  private asIndicators(checks: Map<string, HealthCheck>): HealthIndicatorFunction[] {
    return [...checks].map(([name, check]) => async () => {
      const indicator = this.indicators.check(name);
      try {
        const { ok, detail } = await answerWithin(this.checkTimeoutMs, check(), () => {
          throw new Error(`no answer within ${this.checkTimeoutMs} ms`);
        });
        const data: { detail?: unknown } = detail === undefined ? {} : { detail };
        return ok ? indicator.up(data) : indicator.down(data);
      } catch (err) {
        return indicator.down({ detail: String((err as Error).message ?? err) });
      }
    });
  }
}

/**
 * Health (through @nestjs/terminus) and metrics: public, as probes and scrapers call them (no credentials). The gateway
 * documents these routes (`openapi/health-doc.ts`).
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthRegistry,
    private readonly terminus: HealthCheckService,
  ) {}

  /** Whether the process can still do its work by itself: restarting it would help when this fails. */
  @Get('health/live')
  async live(@Res() res: Response) {
    await this.answer(res, this.health.liveness());
  }

  /** Whether it should get traffic now: its dependencies answer and its read models are current. */
  @Get('health/ready')
  async ready(@Res() res: Response) {
    await this.answer(res, this.health.readiness());
  }

  /** Terminus's answer, 503 with the same body when an indicator is down (no app error filter rewrites it). */
  private async answer(res: Response, indicators: HealthIndicatorFunction[]) {
    try {
      res.status(200).json(await this.terminus.check(indicators));
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      res.status(503).json(err.getResponse());
    }
  }

  @Get('metrics')
  async metrics(@Res() res: Response) {
    res.type(this.health.metrics.contentType).send(await this.health.metrics.metrics());
  }
}
