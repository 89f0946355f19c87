import { EntityManager } from 'typeorm';
import { RecordedEvent } from '@flotilla/event-store';
import type { Changeset } from './changeset';

export interface ProjectionContext {
  /** The transaction the event's rows and the checkpoint are written in. */
  manager: EntityManager;
  /** Physical, quoted name of one of the projection's tables (a rebuild writes into fresh copies). */
  table(name: string): string;
}

export type ProjectionHandler = (event: RecordedEvent, context: ProjectionContext) => Promise<void>;

/** A read model in the manner of Commanded's Ecto projections: one handler per event type. */
export interface Projection {
  name: string;
  /** Postgres schema holding the projection's tables and its checkpoint. */
  schema: string;
  /** Tables the projection owns; a rebuild replaces them all at once. */
  tables: string[];
  /** Only commits on these subjects are delivered (default: the whole stream). */
  filterSubject?: string;
  handlers: Record<string, ProjectionHandler>;
  /**
   * Optional set-based writing for busy tables: a fresh changeset per transaction gathers what its event types
   * change, and writes it all with a few statements after the batch's other handlers. Its tables must be disjoint
   * from those `handlers` write, since the changeset is written last.
   */
  changeset?: () => Changeset;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
