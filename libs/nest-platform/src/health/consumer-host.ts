import { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { HealthRegistry, ReportingConsumer } from './health';

/**
 * A consumer of the log that lives as long as the app (a process manager): started once the app is up, reported
 * to liveness and readiness, stopped before the app shuts down, its commits in hand finished first.
 */
export abstract class ConsumerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  protected abstract readonly consumer: ReportingConsumer & { start(): void; stop(): Promise<void> };

  constructor(protected readonly health: HealthRegistry) {}

  onApplicationBootstrap(): void {
    this.consumer.start();
    this.health.watchConsumers([this.consumer]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }
}
