import { DataSource, EntityManager } from 'typeorm';
import { Commit, EventStore } from '@flotilla/event-store';
import { applyCommits } from './apply-commits';
import { CheckpointStore } from './checkpoint-store';
import { PostgresParkedStore } from './parked-store';
import { Projection, qualified, quoteIdent } from './projection';

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
export async function rebuildProjection(
  store: EventStore,
  dataSource: DataSource,
  projection: Projection,
  options: RebuildOptions = {},
): Promise<{ position: number }> {
  const batchSize = options.batchSize ?? 1_000;
  const checkpoints = new CheckpointStore(dataSource, projection.schema);
  const parked = new PostgresParkedStore(dataSource, projection.schema);
  const fresh = (name: string) => qualified(projection.schema, `${name}__next`);

  await checkpoints.ensure(projection.name);
  const stream = await store.currentIdentity();
  const passedOver = await parked.passedOver(projection.name, stream);
  await dataSource.transaction(async (manager) => {
    for (const name of projection.tables) {
      await manager.query(`drop table if exists ${fresh(name)}`);
      await manager.query(`create table ${fresh(name)} (like ${qualified(projection.schema, name)} including all)`);
    }
  });

  const replay = async (manager: EntityManager | null, afterSeq: number, untilSeq: number): Promise<number> => {
    let position = afterSeq;
    let batch: Commit[] = [];
    const flush = async () => {
      const last = batch[batch.length - 1].streamSeq;
      const commits = batch.filter((c) => !passedOver.has(c.streamSeq));
      batch = [];
      try {
        if (manager) await applyCommits(projection, manager, fresh, commits, position);
        else await dataSource.transaction((m) => applyCommits(projection, m, fresh, commits, position));
      } catch (err) {
        throw new Error(
          `rebuilding ${projection.name} failed in commits ${commits[0]?.streamSeq}–${last}: ${(err as Error).message}`,
        );
      }
      position = last;
      options.onProgress?.(position, untilSeq);
    };
    for await (const commit of store.readRange({
      filterSubject: projection.filterSubject,
      fromSeq: afterSeq + 1,
      untilSeq,
      onUndecodable: unlessParked(passedOver),
    })) {
      batch.push(commit);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length) await flush();
    return position;
  };

  let position = await replay(null, 0, await store.lastSequence());
  await dataSource.transaction(async (manager) => {
    await checkpoints.lock(manager, projection.name);
    position = await replay(manager, position, await store.lastSequence());
    for (const name of projection.tables) {
      const live = qualified(projection.schema, name);
      await manager.query(`alter table ${live} rename to ${quoteIdent(`${name}__old`)}`);
      await manager.query(`alter table ${fresh(name)} rename to ${quoteIdent(name)}`);
      await manager.query(`drop table ${qualified(projection.schema, `${name}__old`)}`);
    }
    await checkpoints.write(manager, projection.name, position, stream);
    await parked.forgetOtherStreams(manager, projection.name, stream.created);
  });
  return { position };
}

/** Passes over an undecodable commit the projection parked (or an operator skipped); any other stops the replay. */
function unlessParked(passedOver: Set<number>) {
  return (streamSeq: number, subject: string, error: unknown) => {
    if (!passedOver.has(streamSeq))
      throw new Error(`commit ${streamSeq} on ${subject} cannot be decoded: ${(error as Error).message}`);
  };
}

/** A table whose rows differ between the read model and a rebuild of it from the log. */
export interface TableDifference {
  table: string;
  /** Rows the rebuild has and the read model lacks. */
  missing: number;
  /** Rows the read model has and the rebuild does not. */
  unexpected: number;
  /** A few of them, as JSON, to show what differs. */
  samples: string[];
}

/**
 * Compares a read model row by row with a rebuild of it from the log (platform.md §4, §4a): replays the log into
 * fresh copies of its tables up to the read model's checkpoint, holding the checkpoint meanwhile so the live
 * projection waits, and lists every table whose rows differ. An empty list means nothing was lost, doubled or
 * invented. Commits parked for the projection are left out of the rebuild, as they are of the read model. The
 * live projection waits while it runs.
 */
export async function verifyProjection(
  store: EventStore,
  dataSource: DataSource,
  projection: Projection,
): Promise<{ position: number; differences: TableDifference[] }> {
  const checkpoints = new CheckpointStore(dataSource, projection.schema);
  const parked = new PostgresParkedStore(dataSource, projection.schema);
  const passedOver = await parked.passedOver(projection.name, await store.currentIdentity());
  return dataSource.transaction(async (manager) => {
    const position = await checkpoints.lock(manager, projection.name);
    for (const name of projection.tables)
      await manager.query(
        `create temporary table ${quoteIdent(`${name}__verify`)}
           (like ${qualified(projection.schema, name)} including all) on commit drop`,
      );
    const temporary = (name: string) => quoteIdent(`${name}__verify`);
    let batch: Commit[] = [];
    let after = 0;
    const flush = async () => {
      await applyCommits(
        projection,
        manager,
        temporary,
        batch.filter((c) => !passedOver.has(c.streamSeq)),
        after,
      );
      after = batch[batch.length - 1].streamSeq;
      batch = [];
    };
    if (position > 0) {
      for await (const commit of store.readRange({
        filterSubject: projection.filterSubject,
        fromSeq: 1,
        untilSeq: position,
        onUndecodable: unlessParked(passedOver),
      })) {
        batch.push(commit);
        if (batch.length >= 1_000) await flush();
      }
      if (batch.length) await flush();
    }
    const differences: TableDifference[] = [];
    for (const name of projection.tables) {
      const live = qualified(projection.schema, name);
      const rebuilt = temporary(name);
      const rows = async (from: string, without: string) =>
        (
          await manager.query(
            `select row_to_json(d)::text as row
             from (select * from ${from} except all select * from ${without}) d limit 1000`,
          )
        ).map((r: { row: string }) => r.row);
      const missing = await rows(rebuilt, live);
      const unexpected = await rows(live, rebuilt);
      if (missing.length || unexpected.length) {
        differences.push({
          table: name,
          missing: missing.length,
          unexpected: unexpected.length,
          samples: [...missing.slice(0, 3), ...unexpected.slice(0, 3)],
        });
      }
    }
    return { position, differences };
  });
}
