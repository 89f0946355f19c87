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
    busySeconds: 0,
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

describe('the event log watched at every scrape', () => {
  it('reads 1 while the stream would remove events, 0 once it would not, and keeps its reading when none comes', async () => {
    const registry = new HealthRegistry('test', new HealthIndicatorService());
    registry.checkTimeoutMs = 50;
    let losses: Promise<string[]> = Promise.resolve([]);
    registry.watchLog({ stream: 'BATCH_EVENTS', historyLosses: () => losses, currentIdentity: async () => ({}) });
    const reading = async () =>
      (await registry.metrics.getSingleMetric('flotilla_event_stream_losing_history')!.get()).values.map((v) => [
        v.labels.stream,
        v.value,
      ]);
    expect(await reading()).toEqual([['BATCH_EVENTS', 0]]);
    losses = Promise.resolve(['max_age is 3600 s, which removes older events (it must be 0)']);
    expect(await reading()).toEqual([['BATCH_EVENTS', 1]]);
    losses = new Promise(() => undefined); // JetStream not answering
    expect(await reading()).toEqual([['BATCH_EVENTS', 1]]);
    losses = Promise.reject(new Error('TIMEOUT'));
    expect(await reading()).toEqual([['BATCH_EVENTS', 1]]);
    losses = Promise.resolve([]);
    expect(await reading()).toEqual([['BATCH_EVENTS', 0]]);
  });

  it('makes readiness down, saying what to do, while the stream is gone, and only then', async () => {
    const registry = new HealthRegistry('test', new HealthIndicatorService());
    let identity: Promise<unknown> = Promise.resolve({ name: 'BATCH_EVENTS', created: '2026-12-06T00:00:00Z' });
    registry.watchLog({ stream: 'BATCH_EVENTS', historyLosses: async () => [], currentIdentity: () => identity });
    const [check] = registry.readiness();
    expect(await check()).toEqual({ log: { status: 'up' } });
    identity = Promise.reject(Object.assign(new Error('stream not found'), { code: '404' }));
    expect(await check()).toEqual({
      log: { status: 'down', detail: expect.stringMatching(/^stream BATCH_EVENTS is gone .*restore it from a backup/) },
    });
    identity = Promise.reject(new Error('TIMEOUT')); // JetStream not answering: said as it is
    expect(await check()).toEqual({ log: { status: 'down', detail: 'TIMEOUT' } });
  });
});
