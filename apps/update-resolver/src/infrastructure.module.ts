import { Global, Inject, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { BatchLogEventSchema, UpdateEventSchema } from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import { connectService, HealthRegistry, isConnectedNow } from '@flotilla/nest-platform';
import {
  openReadModelDatabase,
  PostgresAggregateSnapshots,
  PostgresParkedStore,
  ProjectionRunner,
  readModelDatabaseReady,
} from '@flotilla/projections';
import { resolverSchema, updateProjection } from '@flotilla/update-read-model';
import { RESOLVER_CONFIG, ResolverConfig } from './config';

export const NATS_CONNECTION = Symbol('NatsConnection');
export const UPDATE_PROJECTION = Symbol('UpdateProjection');
/** The batch-orchestrator's stream, read only. */
export const BATCH_EVENT_STORE = Symbol('BatchEventStore');

/** NATS, the event stores, Postgres and the admin read model: what the firmware slices stand on. */
@Global()
@Module({
  providers: [
    {
      provide: NATS_CONNECTION,
      inject: [RESOLVER_CONFIG],
      useFactory: (config: ResolverConfig) => connectService(config.nats, 'update-resolver'),
    },
    {
      provide: EventStore,
      inject: [NATS_CONNECTION, RESOLVER_CONFIG],
      useFactory: (nc: NatsConnection, config: ResolverConfig) =>
        EventStore.open(nc, {
          stream: config.stream,
          subjectPrefix: config.subjectPrefix,
          replicas: config.streamReplicas,
          warn: (message) => new Logger('event-store').warn(message),
          ...UpdateEventSchema,
        }),
    },
    {
      provide: BATCH_EVENT_STORE,
      inject: [NATS_CONNECTION, RESOLVER_CONFIG],
      useFactory: (nc: NatsConnection, config: ResolverConfig) =>
        EventStore.reader(nc, {
          stream: config.batchStream,
          subjectPrefix: config.batchSubjectPrefix,
          ...BatchLogEventSchema,
        }),
    },
    {
      provide: DataSource,
      inject: [RESOLVER_CONFIG],
      useFactory: (config: ResolverConfig) =>
        openReadModelDatabase({
          url: config.databaseUrl,
          schema: config.databaseSchema,
          ...resolverSchema,
          migrate: config.migrateOnStart,
          onConnectionError: (error) =>
            new Logger('postgres').warn({ msg: 'connection dropped', error: error.message }),
        }),
    },
    {
      provide: PostgresParkedStore,
      inject: [DataSource, RESOLVER_CONFIG],
      useFactory: (dataSource: DataSource, config: ResolverConfig) =>
        new PostgresParkedStore(dataSource, config.databaseSchema),
    },
    {
      provide: PostgresAggregateSnapshots,
      inject: [DataSource, RESOLVER_CONFIG],
      useFactory: (dataSource: DataSource, config: ResolverConfig) =>
        new PostgresAggregateSnapshots(dataSource, config.databaseSchema),
    },
    {
      provide: UPDATE_PROJECTION,
      inject: [EventStore, DataSource, RESOLVER_CONFIG],
      useFactory: (store: EventStore, dataSource: DataSource, config: ResolverConfig) =>
        new ProjectionRunner(store, dataSource, updateProjection(config.databaseSchema), {
          logger: new Logger('projection:update'),
          retry: config.consumerRetry,
          // Under a stream of device checks (an attempt each), one transaction per 10 ms instead of one per commit or
          // two; an admin command waiting for its own commit waits that much longer only while checks keep coming.
          gatherMs: 10,
        }),
    },
  ],
  exports: [
    NATS_CONNECTION,
    EventStore,
    BATCH_EVENT_STORE,
    DataSource,
    PostgresParkedStore,
    PostgresAggregateSnapshots,
    UPDATE_PROJECTION,
  ],
})
export class InfrastructureModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    @Inject(UPDATE_PROJECTION) private readonly projection: ProjectionRunner,
    private readonly health: HealthRegistry,
    @Inject(RESOLVER_CONFIG) private readonly config: ResolverConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.projection.start();
    this.health.register('nats', async () => ({ ok: isConnectedNow(this.nc) }));
    this.health.register('postgres', () =>
      readModelDatabaseReady(this.dataSource, this.config.databaseSchema, [this.projection.projection]),
    );
    this.health.registerLiveness('nats', async () => ({ ok: !this.nc.isClosed() }));
    this.health.watchLog(this.store);
    this.health.watchConsumers([this.projection]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projection.stop();
    await this.nc.drain().catch(() => undefined);
    await this.dataSource.destroy().catch(() => undefined);
  }
}
