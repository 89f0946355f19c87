import { Global, Inject, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { BatchLogEventSchema, UpdateEventSchema } from '@flotilla/contracts';
import { batchProjection, orchestratorSchema, quarantineProjection } from '@flotilla/batch-read-model';
import { EventStore } from '@flotilla/event-store';
import { connectService, HealthRegistry, isConnectedNow } from '@flotilla/nest-platform';
import {
  openReadModelDatabase,
  PostgresAggregateSnapshots,
  PostgresParkedStore,
  Projection,
  ProjectionRunner,
  readModelDatabaseReady,
} from '@flotilla/projections';
import { tenancyProjection } from '@flotilla/tenancy-read-model';
import { CONFIG, OrchestratorConfig } from '../config';

export const NATS_CONNECTION = Symbol('NatsConnection');
export const TENANCY_PROJECTION = Symbol('TenancyProjection');
export const BATCH_PROJECTION = Symbol('BatchProjection');
const QUARANTINE_PROJECTION = Symbol('QuarantineProjection');
/** The update-resolver's stream, read only. */
export const UPDATE_EVENT_STORE = Symbol('UpdateEventStore');

function projectionRunner(
  token: symbol,
  store: symbol | typeof EventStore,
  projection: (config: OrchestratorConfig) => Projection,
) {
  return {
    provide: token,
    inject: [store, DataSource, CONFIG],
    useFactory: (eventStore: EventStore, dataSource: DataSource, config: OrchestratorConfig) => {
      const definition = projection(config);
      return new ProjectionRunner(eventStore, dataSource, definition, {
        logger: new Logger(`projection:${definition.name}`),
        retry: config.consumerRetry,
      });
    },
  };
}

/** NATS, the event stores, Postgres and the projections: everything the slices stand on, started in order. */
@Global()
@Module({
  providers: [
    {
      provide: NATS_CONNECTION,
      inject: [CONFIG],
      useFactory: (config: OrchestratorConfig) => connectService(config.nats, 'batch-orchestrator'),
    },
    {
      provide: EventStore,
      inject: [NATS_CONNECTION, CONFIG],
      useFactory: (nc: NatsConnection, config: OrchestratorConfig) =>
        EventStore.open(nc, {
          stream: config.stream,
          subjectPrefix: config.subjectPrefix,
          replicas: config.streamReplicas,
          warn: (message) => new Logger('event-store').warn(message),
          ...BatchLogEventSchema,
        }),
    },
    {
      provide: UPDATE_EVENT_STORE,
      inject: [NATS_CONNECTION, CONFIG],
      useFactory: (nc: NatsConnection, config: OrchestratorConfig) =>
        EventStore.reader(nc, {
          stream: config.updateStream,
          subjectPrefix: config.updateSubjectPrefix,
          ...UpdateEventSchema,
        }),
    },
    {
      provide: DataSource,
      inject: [CONFIG],
      useFactory: (config: OrchestratorConfig) =>
        openReadModelDatabase({
          url: config.databaseUrl,
          schema: config.databaseSchema,
          ...orchestratorSchema,
          migrate: config.migrateOnStart,
          onConnectionError: (error) =>
            new Logger('postgres').warn({ msg: 'connection dropped', error: error.message }),
        }),
    },
    {
      provide: PostgresParkedStore,
      inject: [DataSource, CONFIG],
      useFactory: (dataSource: DataSource, config: OrchestratorConfig) =>
        new PostgresParkedStore(dataSource, config.databaseSchema),
    },
    {
      provide: PostgresAggregateSnapshots,
      inject: [DataSource, CONFIG],
      useFactory: (dataSource: DataSource, config: OrchestratorConfig) =>
        new PostgresAggregateSnapshots(dataSource, config.databaseSchema),
    },
    projectionRunner(TENANCY_PROJECTION, EventStore, (config) =>
      tenancyProjection(config.databaseSchema, config.subjectPrefix),
    ),
    projectionRunner(BATCH_PROJECTION, EventStore, (config) => batchProjection(config.databaseSchema)),
    projectionRunner(QUARANTINE_PROJECTION, UPDATE_EVENT_STORE, (config) =>
      quarantineProjection(config.databaseSchema),
    ),
  ],
  exports: [
    NATS_CONNECTION,
    EventStore,
    UPDATE_EVENT_STORE,
    DataSource,
    PostgresParkedStore,
    PostgresAggregateSnapshots,
    TENANCY_PROJECTION,
    BATCH_PROJECTION,
  ],
})
export class InfrastructureModule implements OnModuleInit, OnApplicationShutdown {
  private readonly projections: ProjectionRunner[];

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    @Inject(TENANCY_PROJECTION) tenancy: ProjectionRunner,
    @Inject(BATCH_PROJECTION) batches: ProjectionRunner,
    @Inject(QUARANTINE_PROJECTION) quarantine: ProjectionRunner,
    private readonly health: HealthRegistry,
    @Inject(CONFIG) private readonly config: OrchestratorConfig,
  ) {
    this.projections = [tenancy, batches, quarantine];
  }

  async onModuleInit(): Promise<void> {
    for (const runner of this.projections) await runner.start();
    this.health.register('nats', async () => ({ ok: isConnectedNow(this.nc) }));
    this.health.register('postgres', () =>
      readModelDatabaseReady(
        this.dataSource,
        this.config.databaseSchema,
        this.projections.map((runner) => runner.projection),
      ),
    );
    this.health.registerLiveness('nats', async () => ({ ok: !this.nc.isClosed() }));
    this.health.watchLog(this.store);
    this.health.watchConsumers(this.projections);
  }

  async onApplicationShutdown(): Promise<void> {
    for (const runner of this.projections) await runner.stop();
    await this.nc.drain().catch(() => undefined);
    await this.dataSource.destroy().catch(() => undefined);
  }
}
