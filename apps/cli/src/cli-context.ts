import { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { BatchLogEventSchema, Streams, UpdateEventSchema } from '@flotilla/contracts';
import { batchProjection, orchestratorSchema, quarantineProjection } from '@flotilla/batch-read-model';
import { EventStore } from '@flotilla/event-store';
import { connectService, NatsSettings, natsSettingsFromEnv } from '@flotilla/nest-platform';
import { openReadModelDatabase, PostgresParkedStore, Projection } from '@flotilla/projections';
import { tenancyProjection } from '@flotilla/tenancy-read-model';
import { resolverSchema, updateProjection } from '@flotilla/update-read-model';

/** One service's log and read models, configured as the service itself is (the same environment variables). */
export interface ServiceSettings {
  stream: string;
  subjectPrefix: string;
  databaseSchema: string;
}

export interface CliSettings {
  nats: NatsSettings;
  databaseUrl: string;
  batch: ServiceSettings;
  update: ServiceSettings;
}

export type ServiceName = 'batch' | 'update';

export const settingsFromEnv = (env: NodeJS.ProcessEnv = process.env): CliSettings => ({
  nats: natsSettingsFromEnv(env),
  databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla',
  batch: {
    stream: env.BATCH_STREAM ?? Streams.batch.name,
    subjectPrefix: env.BATCH_SUBJECT_PREFIX ?? Streams.batch.subjectPrefix,
    databaseSchema: env.BATCH_DB_SCHEMA ?? 'batch_orchestrator',
  },
  update: {
    stream: env.UPDATE_STREAM ?? Streams.update.name,
    subjectPrefix: env.UPDATE_SUBJECT_PREFIX ?? Streams.update.subjectPrefix,
    databaseSchema: env.UPDATE_DB_SCHEMA ?? 'update_resolver',
  },
});

const schemaOf = { batch: orchestratorSchema, update: resolverSchema };
const eventSchemaOf = {
  batch: BatchLogEventSchema,
  update: UpdateEventSchema,
};

/** What the operator commands work on: both services' logs and read models. */
export class CliContext {
  private nc: NatsConnection | null = null;
  private readonly stores = new Map<ServiceName, EventStore>();
  private readonly databases = new Map<ServiceName, DataSource>();

  constructor(readonly settings: CliSettings) {}

  async connection(): Promise<NatsConnection> {
    this.nc ??= await connectService(this.settings.nats, 'flotilla-cli');
    return this.nc;
  }

  /** A service's log, read as it is (the CLI never creates a stream). */
  async store(service: ServiceName = 'batch'): Promise<EventStore> {
    let store = this.stores.get(service);
    if (!store) {
      const { stream, subjectPrefix } = this.settings[service];
      store = await EventStore.reader(await this.connection(), { stream, subjectPrefix, ...eventSchemaOf[service] });
      this.stores.set(service, store);
    }
    return store;
  }

  async database(service: ServiceName = 'batch'): Promise<DataSource> {
    let dataSource = this.databases.get(service);
    if (!dataSource) {
      dataSource = await openReadModelDatabase({
        url: this.settings.databaseUrl,
        schema: this.settings[service].databaseSchema,
        ...schemaOf[service],
        poolSize: 4,
      });
      this.databases.set(service, dataSource);
    }
    return dataSource;
  }

  async parked(service: ServiceName): Promise<PostgresParkedStore> {
    return new PostgresParkedStore(await this.database(service), this.settings[service].databaseSchema);
  }

  /** Every read model, with the service whose schema holds it and the log it is built from. */
  projections(): Record<string, { service: ServiceName; log: ServiceName; projection: Projection }> {
    const { batch, update } = this.settings;
    return {
      tenancy: {
        service: 'batch',
        log: 'batch',
        projection: tenancyProjection(batch.databaseSchema, batch.subjectPrefix),
      },
      batches: { service: 'batch', log: 'batch', projection: batchProjection(batch.databaseSchema) },
      device_quarantine: { service: 'batch', log: 'update', projection: quarantineProjection(batch.databaseSchema) },
      update: { service: 'update', log: 'update', projection: updateProjection(update.databaseSchema) },
    };
  }

  async close(): Promise<void> {
    await this.nc?.drain().catch(() => undefined);
    for (const dataSource of this.databases.values()) await dataSource.destroy().catch(() => undefined);
  }
}
