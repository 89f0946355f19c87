import { DataSource, DataSourceOptions, EntityManager } from 'typeorm';
import { Commit, EventStore, StreamIdentity } from '@flotilla/event-store';
import { applyCommits } from './apply-commits';
import { CheckpointStore } from './checkpoint-store';
import { runMigrations } from './migrations';
import { PostgresParkedStore } from './parked-store';
import { eventTypesOf, Projection, qualified, quoteIdent } from './projection';
import { missingTables } from './read-model-database';

export interface RebuildOptions {
  batchSize?: number;
  onProgress?: (position: number, target: number) => void;
}

/**
 * Rebuilds a read model with no downtime for readers: replays the log from sequence 1 into fresh copies of the
 * projection's tables, then, holding the live checkpoint's lock (which pauses the live runner), applies the
 * last few events and swaps the copies in with renames in one transaction. The checkpoint then counts in the stream
 * as it is now (a read model of a recreated stream serves again). Commits parked or skipped for the projection stay
 * out, as they are in the live read model; one that newly fails stops the rebuild, saying which.
 */
export function rebuildProjection(
  store: EventStore,
  dataSource: DataSource,
  projection: Projection,
  options: RebuildOptions = {},
): Promise<{ position: number }> {
  return oneAtATime(dataSource, `rebuild of ${projection.schema}.${projection.name}`, () =>
    rebuild(store, dataSource, projection, options),
  );
}

async function rebuild(
  store: EventStore,
  dataSource: DataSource,
  projection: Projection,
  options: RebuildOptions,
): Promise<{ position: number }> {
  const checkpoints = new CheckpointStore(dataSource, projection.schema);
  const parked = new PostgresParkedStore(dataSource, projection.schema);
  const fresh = (name: string) => qualified(projection.schema, `${name}__next`);

  await migrated(dataSource, projection);
  await checkpoints.ensure(projection.name);
  const stream = await store.currentIdentity();
  await withTableShapes(dataSource, projection, (shape) =>
    dataSource.transaction(async (manager) => {
      for (const name of projection.tables) {
        await manager.query(`drop table if exists ${fresh(name)}`);
        await createTableLike(manager, fresh(name), shape(name));
      }
    }),
  );

  const replay = await copiesReplay('rebuild', store, parked, projection, fresh, stream, options);
  let position = await replay.ahead(dataSource, await store.lastSequence());
  await dataSource.transaction(async (manager) => {
    await checkpoints.lock(manager, projection.name);
    position = await replay.finish(manager, position, await store.lastSequence());
    for (const name of projection.tables) {
      const live = qualified(projection.schema, name);
      // A table that was missing (dropped, left out of a restore) is simply put in place.
      await manager.query(`alter table if exists ${live} rename to ${quoteIdent(`${name}__old`)}`);
      await manager.query(`alter table ${fresh(name)} rename to ${quoteIdent(name)}`);
      await manager.query(`drop table if exists ${qualified(projection.schema, `${name}__old`)}`);
    }
    await checkpoints.write(manager, projection.name, position, stream);
    await parked.forgetOtherStreams(manager, projection.name, stream.created);
  });
  return { position };
}

/** Refuses a schema the service's migrations have not made (a new or replaced database): they come first. */
async function migrated(dataSource: DataSource, projection: Projection): Promise<void> {
  if ((await missingTables(dataSource, projection.schema, ['projection_checkpoints'])).length)
    throw new Error(`schema ${projection.schema} lacks its tables: run the migrations first (flotilla migrate)`);
}

/**
 * An empty table of `like`'s shape: its columns, constraints and indexes, and its storage parameters, which `like`
 * leaves behind (a read model's room for updates in place, its `fillfactor`, would be lost by every rebuild).
 */
async function createTableLike(manager: EntityManager, table: string, like: string): Promise<void> {
  await manager.query(`create table ${table} (like ${like} including all)`);
  const [{ options }]: { options: string | null }[] = await manager.query(
    `select array_to_string(reloptions, ', ') as options from pg_class where oid = $1::regclass`,
    [like],
  );
  if (options) await manager.query(`alter table ${table} set (${options})`);
}

/**
 * Runs `work` with the table each of the projection's tables is to be copied from (`shape`): the live one, or, for
 * one missing from the live schema (dropped, left out of a restore), the same table of a scratch schema migrated as
 * the service's own is, dropped again after.
 */
async function withTableShapes(
  dataSource: DataSource,
  projection: Projection,
  work: (shape: (name: string) => string) => Promise<void>,
): Promise<void> {
  const live = (name: string) => qualified(projection.schema, name);
  const lost = await missingTables(dataSource, projection.schema, projection.tables);
  if (!lost.length) return work(live);
  const schema = `${projection.schema}__migrated_${projection.name}`;
  const scratch = await new DataSource({ ...dataSource.options, schema } as DataSourceOptions).initialize();
  try {
    await scratch.query(`drop schema if exists ${quoteIdent(schema)} cascade`);
    await runMigrations(scratch);
    const unmade = await missingTables(scratch, schema, lost);
    if (unmade.length)
      throw new Error(
        `table ${unmade.join(', ')} of ${projection.name} is missing, and the service's migrations do not make it: ` +
          'restore it from a backup',
      );
    await work((name) => (lost.includes(name) ? qualified(schema, name) : live(name)));
  } finally {
    await scratch.query(`drop schema if exists ${quoteIdent(schema)} cascade`).catch(() => undefined);
    await scratch.destroy();
  }
}

/**
 * A replay of the log into copies of a projection's tables (`table` names them), first `ahead` of the live read model
 * without holding its checkpoint, then `finish`ed holding it.
 */
async function copiesReplay(
  what: 'rebuild' | 'verify',
  store: EventStore,
  parked: PostgresParkedStore,
  projection: Projection,
  table: (name: string) => string,
  stream: StreamIdentity,
  options: RebuildOptions,
) {
  const passedOver = await parked.passedOver(projection.name, stream);
  const replay = (into: Into, afterSeq: number, untilSeq: number, skipped: Set<number>) =>
    replayInto(store, projection, table, into, skipped, {
      afterSeq,
      untilSeq,
      batchSize: options.batchSize ?? 1_000,
      onProgress: options.onProgress,
    });
  return {
    /** From the start of the log up to `untilSeq`, a transaction per batch, commits parked when it began left out. */
    ahead: (dataSource: DataSource, untilSeq: number) => replay(dataSource, 0, untilSeq, passedOver),
    /**
     * Holding the checkpoint's lock, under which every park and every retry is made (or in a snapshot, which shows
     * them as of its checkpoint): what became of parked commits up to `from` while it ran ahead, then the commits
     * after `from` up to `untilSeq`. One retried meanwhile (the live read model applied it, out of order, once) is
     * applied to the copies the same way; one parked meanwhile, which the copies applied and the live read model did
     * not, stops the run, to be made again.
     */
    async finish(manager: EntityManager, from: number, untilSeq: number): Promise<number> {
      // Through this transaction: the run's lock holds a connection of the pool already, and there may be no third.
      const passedOverNow = await parked.passedOver(projection.name, stream, manager);
      const since = (a: Set<number>, b: Set<number>) =>
        [...a].filter((seq) => seq <= from && !b.has(seq)).sort((x, y) => x - y);
      const parkedMeanwhile = since(passedOverNow, passedOver);
      if (parkedMeanwhile.length)
        throw new Error(
          `commit ${parkedMeanwhile.join(', ')} was parked while the ${what} replayed the log: ${what} again`,
        );
      for (const seq of since(passedOver, passedOverNow))
        await applyCommits(projection, manager, table, [await store.readCommit(seq)], seq - 1);
      return replay(manager, from, untilSeq, passedOverNow);
    },
  };
}

/** Where a replay writes: its own transaction per batch, or one transaction it is part of. */
type Into = DataSource | EntityManager;

/**
 * Replays the log's commits after `afterSeq` up to `untilSeq` into the tables `table` names, a batch per transaction
 * (or all in `into`'s), leaving out commits passed over as parked; returns the position reached. One batch is
 * written while the next is read and decoded: Postgres and this process work at once, in order.
 */
async function replayInto(
  store: EventStore,
  projection: Projection,
  table: (name: string) => string,
  into: Into,
  passedOver: Set<number>,
  options: { afterSeq: number; untilSeq: number; batchSize: number; onProgress?: RebuildOptions['onProgress'] },
): Promise<number> {
  let position = options.afterSeq;
  let batch: Commit[] = [];
  let writing: Promise<void> = Promise.resolve();
  const flush = async (taken: Commit[]) => {
    const last = taken[taken.length - 1].streamSeq;
    const commits = taken.filter((c) => !passedOver.has(c.streamSeq));
    try {
      if (into instanceof DataSource)
        await into.transaction((m) => applyCommits(projection, m, table, commits, position));
      else await applyCommits(projection, into, table, commits, position);
    } catch (err) {
      throw new Error(
        `rebuilding ${projection.name} failed in commits ${commits[0]?.streamSeq}–${last}: ${(err as Error).message}`,
      );
    }
    position = last;
    options.onProgress?.(position, options.untilSeq);
  };
  const handOver = async () => {
    await writing;
    writing = flush(batch);
    // Seen as handled until it is awaited, so a failure ends the replay at the next batch, not the process.
    writing.catch(() => undefined);
    batch = [];
  };
  try {
    for await (const commit of store.readRange({
      filterSubject: projection.filterSubject,
      eventTypes: eventTypesOf(projection),
      fromSeq: options.afterSeq + 1,
      untilSeq: options.untilSeq,
      onUndecodable: unlessParked(passedOver),
    })) {
      batch.push(commit);
      if (batch.length >= options.batchSize) await handOver();
    }
  } catch (err) {
    await writing.catch(() => undefined); // nothing left running on the connection the caller rolls back
    throw err;
  }
  if (batch.length) await handOver();
  await writing;
  return position;
}

/** Passes over an undecodable commit the projection parked (or an operator skipped); any other stops the replay. */
function unlessParked(passedOver: Set<number>) {
  return (streamSeq: number, subject: string, error: unknown) => {
    if (!passedOver.has(streamSeq))
      throw new Error(`commit ${streamSeq} on ${subject} cannot be decoded: ${(error as Error).message}`);
  };
}

/** A row that differs between the read model and a rebuild of it from the log. */
export interface RowDifference {
  /** `missing`: the rebuild has it and the read model lacks it; `unexpected`: the other way round. */
  change: 'missing' | 'unexpected';
  /** The row, as JSON. */
  row: string;
}

/** A table whose rows differ between the read model and a rebuild of it from the log. */
export interface TableDifference {
  table: string;
  missing: number;
  unexpected: number;
  /** Every differing row, up to `VERIFY_ROW_LIMIT` each way. */
  rows: RowDifference[];
}

export const VERIFY_ROW_LIMIT = 1_000;

export interface VerifyOptions {
  /** Leave the shadow schema in place for a closer look (it is replaced by the next verify). */
  keepShadow?: boolean;
  onProgress?: (position: number, target: number) => void;
}

/** The schema a verify rebuilds a projection into, beside its live schema. */
export const shadowSchemaOf = (projection: Projection) => `${projection.schema}__verify_${projection.name}`;

/**
 * Compares a read model row by row with a rebuild of it from the log (platform.md §4, §4a): replays the log into a
 * shadow schema holding copies of its tables, up to the read model's checkpoint, and lists every row that differs. The
 * live projection never waits for it: the last commits and the comparison are made in one snapshot of the read model,
 * at the checkpoint it shows. An empty list means nothing was lost, doubled or invented. Commits parked for the
 * projection are left out of the rebuild, as they are of the read model.
 */
export function verifyProjection(
  store: EventStore,
  dataSource: DataSource,
  projection: Projection,
  options: VerifyOptions = {},
): Promise<Verification> {
  return oneAtATime(dataSource, `verify of ${projection.schema}.${projection.name}`, () =>
    verify(store, dataSource, projection, options),
  );
}

export interface Verification {
  position: number;
  shadowSchema: string;
  differences: TableDifference[];
}

async function verify(
  store: EventStore,
  dataSource: DataSource,
  projection: Projection,
  options: VerifyOptions,
): Promise<Verification> {
  const checkpoints = new CheckpointStore(dataSource, projection.schema);
  const parked = new PostgresParkedStore(dataSource, projection.schema);
  const stream = await store.currentIdentity();
  const shadowSchema = shadowSchemaOf(projection);
  const shadow = (name: string) => qualified(shadowSchema, name);
  await migrated(dataSource, projection);
  const lost = await missingTables(dataSource, projection.schema, projection.tables);
  if (lost.length)
    throw new Error(
      `table ${lost.join(', ')} of ${projection.name} is missing: rebuild ${projection.name} from the log`,
    );
  const replay = await copiesReplay('verify', store, parked, projection, shadow, stream, options);
  await dataSource.transaction(async (manager) => {
    await manager.query(`drop schema if exists ${quoteIdent(shadowSchema)} cascade`);
    await manager.query(`create schema ${quoteIdent(shadowSchema)}`);
    for (const name of projection.tables)
      await createTableLike(manager, shadow(name), qualified(projection.schema, name));
  });
  const replayed = await replay.ahead(dataSource, (await checkpoints.read(projection.name)).lastSeq);
  // The rest sees the live read model in one snapshot, at the checkpoint that snapshot shows (a projection commits its
  // rows and checkpoint together), instead of holding the checkpoint: the live projection goes on meanwhile.
  return dataSource.transaction('REPEATABLE READ', async (manager) => {
    const position = (await checkpoints.read(projection.name, manager)).lastSeq;
    // Only a rebuild from a recreated stream moves a checkpoint back: then this replay is of another log.
    if (position < replayed) throw new Error(`${projection.name} was rebuilt while it was verified: verify it again`);
    await replay.finish(manager, replayed, position);
    const differences: TableDifference[] = [];
    for (const name of projection.tables) {
      const live = qualified(projection.schema, name);
      const rows = async (from: string, without: string) =>
        (
          await manager.query(
            `select row_to_json(d)::text as row
             from (select * from ${from} except all select * from ${without}) d limit ${VERIFY_ROW_LIMIT}`,
          )
        ).map((r: { row: string }) => r.row);
      const missing: string[] = await rows(shadow(name), live);
      const unexpected: string[] = await rows(live, shadow(name));
      if (missing.length || unexpected.length) {
        differences.push({
          table: name,
          missing: missing.length,
          unexpected: unexpected.length,
          rows: [
            ...missing.map((row) => ({ change: 'missing' as const, row })),
            ...unexpected.map((row) => ({ change: 'unexpected' as const, row })),
          ],
        });
      }
    }
    if (!options.keepShadow) await manager.query(`drop schema ${quoteIdent(shadowSchema)} cascade`);
    return { position, shadowSchema, differences };
  });
}

/**
 * Runs `work` unless another process runs the same (`what`): two rebuilds, or two verifies, of one read model would
 * each drop the other's copies under it. The lock is Postgres's, held by a session of its own (so it goes with a
 * process that dies): the work beside it uses one connection of the pool at a time, so a pool of two will do.
 */
async function oneAtATime<T>(dataSource: DataSource, what: string, work: () => Promise<T>): Promise<T> {
  const session = dataSource.createQueryRunner();
  await session.connect();
  try {
    const [{ taken }] = await session.query('select pg_try_advisory_lock(hashtext($1)) as taken', [what]);
    if (!taken) throw new Error(`a ${what} is running already: wait for it, then try again`);
    try {
      return await work();
    } finally {
      await session.query('select pg_advisory_unlock(hashtext($1))', [what]).catch(() => undefined);
    }
  } finally {
    await session.release();
  }
}
