import { Global, Inject, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { connect, NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { TenancyEventVersions } from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import { HealthRegistry } from '@flotilla/nest-platform';
import { CreateProjectionCheckpoints1767225600000, ProjectionRunner, runMigrations } from '@flotilla/projections';
import { CreateTenancyReadModel1767225600100, tenancyEntities, tenancyProjection } from '@flotilla/tenancy-read-model';
import { CONFIG, OrchestratorConfig } from '../config';

export const TENANCY_PROJECTION = Symbol('TenancyProjection');
export const NATS_CONNECTION = Symbol('NatsConnection');

/** NATS, the event store, Postgres and the projections: everything the slices stand on, started in order. */
@Global()
@Module({
  providers: [
    {
      provide: NATS_CONNECTION,
      inject: [CONFIG],
      useFactory: (config: OrchestratorConfig) => connect({ servers: config.natsUrl, name: 'batch-orchestrator' }),
    },
    {
      provide: EventStore,
      inject: [NATS_CONNECTION, CONFIG],
      useFactory: (nc: NatsConnection, config: OrchestratorConfig) =>
        EventStore.open(nc, { stream: config.stream, subjectPrefix: config.subjectPrefix, schemaVersions: { ...TenancyEventVersions } }),
    },
    {
      provide: DataSource,
      inject: [CONFIG],
      useFactory: async (config: OrchestratorConfig) => {
        const dataSource = await new DataSource({
          type: 'postgres',
          url: config.databaseUrl,
          schema: config.databaseSchema,
          entities: [...tenancyEntities],
          migrations: [CreateProjectionCheckpoints1767225600000, CreateTenancyReadModel1767225600100],
          poolSize: 10,
        }).initialize();
        if (config.migrateOnStart) await runMigrations(dataSource);
        return dataSource;
      },
    },
    {
      provide: TENANCY_PROJECTION,
      inject: [EventStore, DataSource, CONFIG],
      useFactory: (store: EventStore, dataSource: DataSource, config: OrchestratorConfig) =>
        new ProjectionRunner(store, dataSource, tenancyProjection(config.databaseSchema, config.subjectPrefix), {
          onError: (err) => new Logger('projection:tenancy').error({ msg: 'batch failed, will retry', error: String(err) }),
        }),
    },
  ],
  exports: [NATS_CONNECTION, EventStore, DataSource, TENANCY_PROJECTION],
})
export class InfrastructureModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly dataSource: DataSource,
    @Inject(TENANCY_PROJECTION) private readonly tenancy: ProjectionRunner,
    private readonly health: HealthRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.tenancy.start();
    this.health.register('nats', async () => ({ ok: !this.nc.isClosed() }));
    this.health.register('postgres', async () => ({ ok: (await this.dataSource.query('select 1 as ok'))[0].ok === 1 }));
    this.health.register('projection_lag', async () => {
      const lag = await this.tenancy.lag();
      return { ok: lag < 10_000, detail: { tenancy: lag } };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.tenancy.stop();
    await this.nc.drain().catch(() => undefined);
    await this.dataSource.destroy().catch(() => undefined);
  }
}
