import { connect, NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { Streams, TenancyEventVersions } from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import { CreateProjectionCheckpoints1767225600000 } from '@flotilla/projections';
import { CreateTenancyReadModel1767225600100, tenancyProjection } from '@flotilla/tenancy-read-model';

/** What the operator commands work on; every part is opened on first use and closed at the end. */
export interface CliSettings {
  natsUrl: string;
  databaseUrl: string;
  stream: string;
  subjectPrefix: string;
  schema: string;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): CliSettings {
  return {
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/flotilla',
    stream: env.BATCH_STREAM ?? Streams.batch.name,
    subjectPrefix: env.BATCH_SUBJECT_PREFIX ?? Streams.batch.subjectPrefix,
    schema: env.BATCH_DB_SCHEMA ?? 'batch_orchestrator',
  };
}

export class CliContext {
  private nc: NatsConnection | null = null;
  private dataSource: DataSource | null = null;

  constructor(readonly settings: CliSettings) {}

  async store(): Promise<EventStore> {
    this.nc ??= await connect({ servers: this.settings.natsUrl, name: 'flotilla-cli' });
    return EventStore.open(this.nc, {
      stream: this.settings.stream,
      subjectPrefix: this.settings.subjectPrefix,
      schemaVersions: { ...TenancyEventVersions },
    });
  }

  async database(): Promise<DataSource> {
    this.dataSource ??= await new DataSource({
      type: 'postgres',
      url: this.settings.databaseUrl,
      schema: this.settings.schema,
      migrations: [CreateProjectionCheckpoints1767225600000, CreateTenancyReadModel1767225600100],
    }).initialize();
    return this.dataSource;
  }

  projections() {
    return { tenancy: tenancyProjection(this.settings.schema, this.settings.subjectPrefix) };
  }

  async close(): Promise<void> {
    await this.nc?.drain().catch(() => undefined);
    await this.dataSource?.destroy().catch(() => undefined);
  }
}
