import { EntityManager } from 'typeorm';
import { Commit } from '@flotilla/event-store';
import { asOneStatement } from './changeset';
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
  const changeset = projection.changeset?.();
  let position = afterSeq;
  for (const commit of commits) {
    if (commit.streamSeq <= position) continue; // delivered again after a crash: already applied
    for (const event of commit.events) {
      if (changeset?.add(event)) continue;
      const handler = projection.handlers[event.type];
      if (handler) await handler(event, context);
    }
    position = commit.streamSeq;
  }
  const statements = changeset?.statements(table) ?? [];
  if (statements.length) {
    const { text, values } = asOneStatement(statements);
    await manager.query(text, values);
  }
  return position;
}
