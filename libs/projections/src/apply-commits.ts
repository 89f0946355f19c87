import { EntityManager } from 'typeorm';
import { Commit, RecordedEvent } from '@flotilla/event-store';
import { Projection, ProjectionContext } from './projection';

/** Applies the commits after `afterSeq` through the projection's handlers; returns the new position. */
export async function applyCommits(
  projection: Projection,
  manager: EntityManager,
  table: ProjectionContext['table'],
  commits: Commit[],
  afterSeq: number,
): Promise<number> {
  const context: ProjectionContext = { manager, table };
  let position = afterSeq;
  let run: RecordedEvent[] = [];
  const flush = async () => {
    if (run.length) await projection.bulkHandlers?.[run[0].type](run, context);
    run = [];
  };
  for (const commit of commits) {
    if (commit.streamSeq <= position) continue; // delivered again after a crash: already applied
    for (const event of commit.events) {
      if (projection.bulkHandlers?.[event.type]) {
        if (run.length && run[0].type !== event.type) await flush();
        run.push(event);
        continue;
      }
      await flush();
      const handler = projection.handlers[event.type];
      if (handler) await handler(event, context);
    }
    position = commit.streamSeq;
  }
  await flush();
  return position;
}
