import { DataSource, EntityManager } from 'typeorm';
import { Commit, EventStore } from '@flotilla/event-store';
import { applyCommits } from './apply-commits';
import { CheckpointStore } from './checkpoint-store';
import { Projection, qualified, quoteIdent } from './projection';

export interface RebuildOptions {
  batchSize?: number;
  onProgress?: (position: number, target: number) => void;
}

/**
 * Rebuilds a read model with no downtime for readers: replays the log from sequence 1 into fresh copies of the
 * projection's tables, then, holding the live checkpoint's lock (which pauses the live runner), applies the
 * last few events and swaps the copies in with renames in one transaction.
 */
export async function rebuildProjection(
  store: EventStore,
  dataSource: DataSource,
  projection: Projection,
  options: RebuildOptions = {},
): Promise<{ position: number }> {
  const batchSize = options.batchSize ?? 1_000;
  const checkpoints = new CheckpointStore(dataSource, projection.schema);
  const fresh = (name: string) => qualified(projection.schema, `${name}__next`);

  await checkpoints.ensure(projection.name);
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
      const commits = batch;
      batch = [];
      position = manager
        ? await applyCommits(projection, manager, fresh, commits, position)
        : await dataSource.transaction((m) => applyCommits(projection, m, fresh, commits, position));
      options.onProgress?.(position, untilSeq);
    };
    for await (const commit of store.readRange({ filterSubject: projection.filterSubject, fromSeq: afterSeq + 1, untilSeq })) {
      batch.push(commit);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length) await flush();
    return Math.max(position, afterSeq);
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
    await checkpoints.write(manager, projection.name, position);
  });
  return { position };
}
