import { Global, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { connect, NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { UpdateEventVersions } from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import { HealthRegistry } from '@flotilla/nest-platform';
import { CreateProjectionCheckpoints1767225600000, runMigrations } from '@flotilla/projections';
import { RESOLVER_CONFIG, ResolverConfig } from './config';

export const NATS_CONNECTION = Symbol('NatsConnection');

/** The update-resolver's own stream and read-model schema; the firmware slices (issue 4) stand on these. */
@Global()
@Module({
  providers: [
    {
      provide: NATS_CONNECTION,
      inject: [RESOLVER_CONFIG],
      useFactory: (config: ResolverConfig) => connect({ servers: config.natsUrl, name: 'update-resolver' }),
    },
    {
      provide: EventStore,
      inject: [NATS_CONNECTION, RESOLVER_CONFIG],
      useFactory: (nc: NatsConnection, config: ResolverConfig) => EventStore.open(nc, { stream: config.stream, subjectPrefix: config.subjectPrefix, schemaVersions: UpdateEventVersions }),
    },
    {
      provide: DataSource,
      inject: [RESOLVER_CONFIG],
      useFactory: async (config: ResolverConfig) => {
        const dataSource = await new DataSource({
          type: 'postgres',
          url: config.databaseUrl,
          schema: config.databaseSchema,
          migrations: [CreateProjectionCheckpoints1767225600000],
        }).initialize();
        if (config.migrateOnStart) await runMigrations(dataSource);
        return dataSource;
      },
    },
  ],
  exports: [NATS_CONNECTION, EventStore, DataSource],
})
export class InfrastructureModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly store: EventStore,
    private readonly dataSource: DataSource,
    private readonly health: HealthRegistry,
  ) {}

  onModuleInit(): void {
    this.health.register('nats', async () => ({ ok: !this.nc.isClosed() }));
    this.health.register('event_stream', async () => ({ ok: (await this.store.lastSequence()) >= 0 }));
    this.health.register('postgres', async () => ({ ok: (await this.dataSource.query('select 1 as ok'))[0].ok === 1 }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
    await this.dataSource.destroy().catch(() => undefined);
  }
}
