import { EntityManager } from 'typeorm';
import { Commit, RecordedEvent } from '@flotilla/event-store';
import { Changeset, changeParts, withStatements } from './changeset';
import { Projection, ProjectionContext, ProjectionHandler } from './projection';

/** The commits of a batch after a position, sorted into what the handlers apply and what the changeset gathered. */
export interface GatheredCommits {
  /** The stream sequence of the last commit taken in (the position the batch was taken after, if none was). */
  position: number;
  /** Events for the projection's handlers, in log order. */
  handled: RecordedEvent[];
  changeset: Changeset | null;
}

export function gatherCommits(projection: Projection, commits: Commit[], afterSeq: number): GatheredCommits {
  const changeset = projection.changeset?.() ?? null;
  const handled: RecordedEvent[] = [];
  let position = afterSeq;
  for (const commit of commits) {
    if (commit.streamSeq <= position) continue; // delivered again after a crash: already applied
    for (const event of commit.events) {
      if (changeset?.add(event)) continue;
      if (projection.handlers[event.type]) handled.push(event);
    }
    position = commit.streamSeq;
  }
  return { position, handled, changeset };
}

/** Writes gathered commits in the caller's transaction: the handlers' events one by one, then the changeset. */
export async function writeGathered(
  projection: Projection,
  { handled, changeset }: GatheredCommits,
  context: ProjectionContext,
): Promise<void> {
  for (const event of handled) await (projection.handlers[event.type] as ProjectionHandler)(event, context);
  const statements = changeset?.statements(context.table, 'true') ?? [];
  if (!statements.length) return;
  const { text, values } = withStatements(changeParts(statements), 'select 1');
  await context.manager.query(text, values);
}

/** Applies the commits after `afterSeq` through the projection's handlers; returns the new position. */
export async function applyCommits(
  projection: Projection,
  manager: EntityManager,
  table: ProjectionContext['table'],
  commits: Commit[],
  afterSeq: number,
): Promise<number> {
  const gathered = gatherCommits(projection, commits, afterSeq);
  await writeGathered(projection, gathered, { manager, table });
  return gathered.position;
}
