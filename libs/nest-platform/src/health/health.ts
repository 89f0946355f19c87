import { Controller, Get, HttpCode, Inject, Injectable, Res } from '@nestjs/common';
import type { Response } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';

export type HealthCheck = () => Promise<{ ok: boolean; detail?: unknown }>;

/** Readiness checks registered by the parts of an app (NATS, Postgres, projection lag). */
@Injectable()
export class HealthRegistry {
  readonly metrics = new Registry();
  private readonly checks = new Map<string, HealthCheck>();

  constructor(@Inject('SERVICE_NAME') service: string) {
    this.metrics.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.metrics });
  }

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  async readiness(): Promise<{ ready: boolean; checks: Record<string, { ok: boolean; detail?: unknown }> }> {
    const results: Record<string, { ok: boolean; detail?: unknown }> = {};
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          results[name] = await check();
        } catch (err) {
          results[name] = { ok: false, detail: String((err as Error).message ?? err) };
        }
      }),
    );
    return { ready: Object.values(results).every((r) => r.ok), checks: results };
  }
}

@Controller()
export class HealthController {
  constructor(private readonly health: HealthRegistry) {}

  @Get('health/live')
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  async ready(@Res() res: Response) {
    const readiness = await this.health.readiness();
    res.status(readiness.ready ? 200 : 503).json(readiness);
  }

  @Get('metrics')
  async metrics(@Res() res: Response) {
    res.type(this.health.metrics.contentType).send(await this.health.metrics.metrics());
  }
}
