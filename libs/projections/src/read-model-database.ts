import { DataSource, MixedList, EntitySchema } from 'typeorm';
import { runMigrations } from './migrations';

export interface ReadModelDatabaseOptions {
  url: string;
  /** The service's own Postgres schema. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations?: MixedList<Function | string>;
  poolSize?: number;
  /** Run the schema's migrations once connected (under an advisory lock: instances starting together take turns). */
  migrate?: boolean;
  /** Told of a connection Postgres dropped (a restart, a failover, an administrator's termination). */
  onConnectionError?: (error: Error) => void;
}

/**
 * Opens a service's read-model database. A connection Postgres drops while it is in use makes the pg client emit
 * `error`, and an `error` event nobody listens to ends the process; every client gets a listener here, so a Postgres
 * restart fails the queries in flight (which their callers retry) and never takes the service down.
 */
export async function openReadModelDatabase(options: ReadModelDatabaseOptions): Promise<DataSource> {
  const dataSource = await new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    poolSize: options.poolSize ?? 10,
  }).initialize();
  const pool = (
    dataSource.driver as unknown as {
      master: {
        on(
          event: 'connect',
          listener: (client: { on(event: 'error', listener: (error: Error) => void): void }) => void,
        ): void;
      };
    }
  ).master;
  pool.on('connect', (client) => client.on('error', (error) => options.onConnectionError?.(error)));
  if (options.migrate) await runMigrations(dataSource);
  return dataSource;
}
