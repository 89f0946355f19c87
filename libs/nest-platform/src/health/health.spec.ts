import { HealthIndicatorService } from '@nestjs/terminus';
import type { ConsumerReport } from '@flotilla/event-store';
import { HealthRegistry, ReportingConsumer } from './health';

const consumer = (report: Partial<ConsumerReport>): ReportingConsumer => ({
  name: 'projection',
  health: { liveness: () => ({ alive: true }) },
  report: async () => ({
    consumer: 'projection',
    position: 7,
    lag: 0,
    parked: 0,
    failing: null,
    alive: true,
    ...report,
  }),
});

async function readiness(report: Partial<ConsumerReport>) {
  const registry = new HealthRegistry('test', new HealthIndicatorService());
  registry.watchConsumers([consumer(report)], { maxLag: 100 });
  const [check] = registry.readiness();
  return check();
}

describe('readiness of the consumers of the log', () => {
  it('is up while a consumer keeps up', async () => {
    expect(await readiness({ lag: 99 })).toMatchObject({ consumers: { status: 'up' } });
  });

  it('is down while a consumer is far behind', async () => {
    expect(await readiness({ lag: 100 })).toMatchObject({ consumers: { status: 'down' } });
  });

  it('is down while no one can tell how far behind a consumer is (JetStream not answering)', async () => {
    expect(await readiness({ lag: null })).toMatchObject({
      consumers: { status: 'down', detail: { projection: { lag: null } } },
    });
  });

  it('is down once a consumer has been failing on one commit for a while', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    expect(await readiness({ failing: { streamSeq: 8, since, attempts: 9, error: 'deadlock' } })).toMatchObject({
      consumers: { status: 'down' },
    });
  });
});

describe('a check that does not answer', () => {
  it('is down, saying so, once the check timeout has passed', async () => {
    const registry = new HealthRegistry('test', new HealthIndicatorService());
    registry.checkTimeoutMs = 50;
    registry.register('postgres', () => new Promise(() => undefined)); // a black-holed connection
    registry.register('nats', async () => ({ ok: true }));
    const answers = await Promise.all(registry.readiness().map((check) => check()));
    expect(answers).toEqual([
      { postgres: { status: 'down', detail: 'no answer within 50 ms' } },
      { nats: { status: 'up' } },
    ]);
  });
});
