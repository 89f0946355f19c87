import { EntityManager } from 'typeorm';
import { RecordedEvent } from '@flotilla/event-store';

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

export interface Changeset {
  /** Takes the event in if it is of a type the changeset gathers; false leaves it to `handlers`. */
  add(event: RecordedEvent): boolean;
  /** Writes what was gathered, in the transaction of the batch. */
  write(context: ProjectionContext): Promise<void>;
}

/** A changeset from one recording function per event type (in the manner of `handlers`) and one writer. */
export function changesetOf<Changes>(
  open: () => Changes,
  recorders: Record<string, (event: RecordedEvent, changes: Changes) => void>,
  write: (changes: Changes, context: ProjectionContext) => Promise<void>,
): () => Changeset {
  return () => {
    const changes = open();
    let touched = false;
    return {
      add(event) {
        const record = recorders[event.type];
        if (!record) return false;
        record(event, changes);
        touched = true;
        return true;
      },
      async write(context) {
        if (touched) await write(changes, context);
      },
    };
  };
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
