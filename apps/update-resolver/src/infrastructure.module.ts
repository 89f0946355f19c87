import { Global, Inject, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { UpdateEventVersions } from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import { connectService, HealthRegistry } from '@flotilla/nest-platform';
import { CreateProjectionCheckpoints1767225600000, ProjectionRunner, runMigrations } from '@flotilla/projections';
import { CreateUpdateReadModel1767225600300, updateEntities, updateProjection } from '@flotilla/update-read-model';
import { RESOLVER_CONFIG, ResolverConfig } from './config';

export const NATS_CONNECTION = Symbol('NatsConnection');
export const UPDATE_PROJECTION = Symbol('UpdateProjection');

/** NATS, the event store, Postgres and the admin read model: what the firmware slices stand on. */
@Global()
@Module({
  providers: [
    {
      provide: NATS_CONNECTION,
      inject: [RESOLVER_CONFIG],
      useFactory: (config: ResolverConfig) => connectService(config.natsUrl, 'update-resolver'),
    },
    {
      provide: EventStore,
      inject: [NATS_CONNECTION, RESOLVER_CONFIG],
      useFactory: (nc: NatsConnection, config: ResolverConfig) =>
        EventStore.open(nc, { stream: config.stream, subjectPrefix: config.subjectPrefix, schemaVersions: UpdateEventVersions }),
    },
    {
      provide: DataSource,
      inject: [RESOLVER_CONFIG],
      useFactory: async (config: ResolverConfig) => {
        const dataSource = await new DataSource({
          type: 'postgres',
          url: config.databaseUrl,
          schema: config.databaseSchema,
          entities: updateEntities,
          migrations: [CreateProjectionCheckpoints1767225600000, CreateUpdateReadModel1767225600300],
        }).initialize();
        if (config.migrateOnStart) await runMigrations(dataSource);
        return dataSource;
      },
    },
    {
      provide: UPDATE_PROJECTION,
      inject: [EventStore, DataSource, RESOLVER_CONFIG],
      useFactory: (store: EventStore, dataSource: DataSource, config: ResolverConfig) =>
        new ProjectionRunner(store, dataSource, updateProjection(config.databaseSchema), {
          onError: (err) => new Logger('projection:update').error({ msg: 'batch failed, will retry', error: String(err) }),
        }),
    },
  ],
  exports: [NATS_CONNECTION, EventStore, DataSource, UPDATE_PROJECTION],
})
export class InfrastructureModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly store: EventStore,
    private readonly dataSource: DataSource,
    @Inject(UPDATE_PROJECTION) private readonly projection: ProjectionRunner,
    private readonly health: HealthRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.projection.start();
    this.health.register('nats', async () => ({ ok: !this.nc.isClosed() }));
    this.health.register('event_stream', async () => ({ ok: (await this.store.lastSequence()) >= 0 }));
    this.health.register('postgres', async () => ({ ok: (await this.dataSource.query('select 1 as ok'))[0].ok === 1 }));
    this.health.register('projection_lag', async () => {
      const lag = await this.projection.lag();
      return { ok: lag < 10_000, detail: { update: lag } };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projection.stop();
    await this.nc.drain().catch(() => undefined);
    await this.dataSource.destroy().catch(() => undefined);
  }
}
