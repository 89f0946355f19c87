import { DataSource, EntityManager, EntitySchema, MixedList } from 'typeorm';
import { runMigrations } from './migrations';
import { Projection } from './projection';

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
  /** How long one of its sessions may sit idle inside a transaction before Postgres ends it (default 30 s). */
  idleInTransactionMs?: number;
  /** How long one of its statements may wait for a lock before Postgres fails it (default 60 s). */
  lockTimeoutMs?: number;
  /** How long opening a connection, or waiting for one of the pool's, may take before it fails (default 10 s). */
  connectTimeoutMs?: number;
}

/**
 * No transaction of ours waits on anything but Postgres for long: one idle this long belongs to a process that is
 * frozen (a paused VM, a stopped container) or cut off from Postgres by the network, whose FIN never arrives. Postgres
 * then ends the session, so the row locks it holds (a consumer's checkpoint) pass to the other instances, which would
 * otherwise wait on them until TCP keepalive gave up on the peer (two hours by default).
 */
const IDLE_IN_TRANSACTION_MS = 30_000;

/**
 * A lock held longer than this is not another instance's (whose session Postgres ends after the idle timeout above)
 * but someone else's: an operator's DDL, a `VACUUM FULL`, a psql session left open. The statement then fails as
 * Postgres's trouble (55P03): a consumer retries it and says why in readiness, a request answers 503, instead of
 * hanging until liveness restarts a process that would only wait on the same lock again.
 */
const LOCK_TIMEOUT_MS = 60_000;

/**
 * A Postgres that takes no connection in this long is away (a host gone from the network answers nothing, and the
 * kernel would try for two minutes): the query fails as Postgres's trouble and is retried, rather than waiting.
 */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens a service's read-model database. A connection Postgres drops while it is in use makes the pg client emit
 * `error`, and an `error` event nobody listens to ends the process; every client gets a listener here, so a Postgres
 * restart (or a session it ended) fails the queries in flight (which their callers retry) and never takes the service
 * down.
 */
export async function openReadModelDatabase(options: ReadModelDatabaseOptions): Promise<DataSource> {
  const dataSource = await new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    poolSize: options.poolSize ?? 10,
    connectTimeoutMS: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    extra: {
      idle_in_transaction_session_timeout: options.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS,
      lock_timeout: options.lockTimeoutMs ?? LOCK_TIMEOUT_MS,
      // A connection whose peer is gone is found while it is idle, not when a query is next sent into the void.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    },
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

/** The tables every service's schema holds beside its read models' (the migrations of this library make them). */
const SERVICE_TABLES = ['projection_checkpoints', 'parked_commits', 'aggregate_snapshots'];

/** Which of `tables` the schema lacks, in the order given. */
export async function missingTables(
  db: Pick<EntityManager, 'query'>,
  schema: string,
  tables: readonly string[],
): Promise<string[]> {
  const rows: { name: string }[] = await db.query(
    `select name from unnest($2::text[]) with ordinality as t(name, n)
     where to_regclass(format('%I.%I', $1::text, name)) is null order by n`,
    [schema, tables],
  );
  return rows.map((row) => row.name);
}

/**
 * Readiness of a service's read-model database: it answers, and holds every table of the service and of its read
 * models. A database recreated or restored without them answers `select 1` but would serve nothing (every request a
 * 503, every read model stopped); one table dropped or left out of a restore stops the requests and the read model
 * that use it, and says how to make it again.
 */
export async function readModelDatabaseReady(
  dataSource: DataSource,
  schema: string,
  projections: readonly Pick<Projection, 'name' | 'tables'>[],
): Promise<{ ok: boolean; detail?: string }> {
  const required = [...SERVICE_TABLES, ...projections.flatMap((projection) => projection.tables)];
  const missing = await missingTables(dataSource, schema, required);
  if (!missing.length) return { ok: true };
  if (missing.length === required.length)
    return {
      ok: false,
      detail:
        `schema ${schema} lacks its tables (a new or restored database?): run the migrations (flotilla migrate); ` +
        'the read models then catch up from the log',
    };
  const remedy = (table: string) => {
    const owner = projections.find((projection) => projection.tables.includes(table));
    return owner
      ? `table ${table} of read model ${owner.name} is missing: rebuild it from the log (flotilla rebuild ${owner.name})`
      : `table ${table} is missing: restore it from a backup, or drop schema ${schema} and start the service again ` +
          '(migrated anew, its read models catch up from the log)';
  };
  return { ok: false, detail: missing.map(remedy).join('; ') };
}
