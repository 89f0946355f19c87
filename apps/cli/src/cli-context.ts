import { connect, NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { BatchEventVersions, Streams, TenancyEventVersions } from '@flotilla/contracts';
import { batchProjection, CreateBatchReadModel1767225600200 } from '@flotilla/batch-read-model';
import { EventStore } from '@flotilla/event-store';
import { ServiceConfig, serviceConfigFromEnv } from '@flotilla/nest-platform';
import { CreateProjectionCheckpoints1767225600000 } from '@flotilla/projections';
import { CreateTenancyReadModel1767225600100, tenancyProjection } from '@flotilla/tenancy-read-model';

/** What the operator commands work on: the batch-orchestrator's stream and read models, configured as it is. */
export type CliSettings = Pick<ServiceConfig, 'natsUrl' | 'databaseUrl' | 'stream' | 'subjectPrefix' | 'databaseSchema'>;

export const settingsFromEnv = (env: NodeJS.ProcessEnv = process.env): CliSettings =>
  serviceConfigFromEnv(
    { envPrefix: 'BATCH', databaseSchema: 'batch_orchestrator', stream: Streams.batch.name, subjectPrefix: Streams.batch.subjectPrefix, healthPort: 0 },
    env,
  );

export class CliContext {
  private nc: NatsConnection | null = null;
  private dataSource: DataSource | null = null;

  constructor(readonly settings: CliSettings) {}

  async store(): Promise<EventStore> {
    this.nc ??= await connect({ servers: this.settings.natsUrl, name: 'flotilla-cli' });
    return EventStore.open(this.nc, {
      stream: this.settings.stream,
      subjectPrefix: this.settings.subjectPrefix,
      schemaVersions: { ...TenancyEventVersions, ...BatchEventVersions },
    });
  }

  async database(): Promise<DataSource> {
    this.dataSource ??= await new DataSource({
      type: 'postgres',
      url: this.settings.databaseUrl,
      schema: this.settings.databaseSchema,
      migrations: [CreateProjectionCheckpoints1767225600000, CreateTenancyReadModel1767225600100, CreateBatchReadModel1767225600200],
    }).initialize();
    return this.dataSource;
  }

  projections() {
    return {
      tenancy: tenancyProjection(this.settings.databaseSchema, this.settings.subjectPrefix),
      batches: batchProjection(this.settings.databaseSchema),
    };
  }

  async close(): Promise<void> {
    await this.nc?.drain().catch(() => undefined);
    await this.dataSource?.destroy().catch(() => undefined);
  }
}
