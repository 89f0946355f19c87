import { DomainEvent } from '@flotilla/events';
import { RecordedEvent } from '@flotilla/event-store';
import type { ProjectionContext, RecordedOf } from './projection';

/** One parameterized SQL statement. */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

export interface Changeset {
  /** The event types it gathers. */
  readonly eventTypes: readonly string[];
  /** Takes the event in if it is of a type the changeset gathers; false leaves it to `handlers`. */
  add(event: RecordedEvent): boolean;
  /**
   * What was gathered, as data-modifying statements written after the batch's other handlers. They are run as one
   * statement (see `asOneStatement`), so they see one snapshot: no two may touch the same row.
   */
  statements(table: ProjectionContext['table']): SqlStatement[];
}

/** One recording function per event type of `E`, typed as projection handlers are. */
export type ChangeRecorders<E extends DomainEvent, Changes> = {
  [T in E['type']]?: (event: RecordedOf<E, T>, changes: Changes) => void;
};

/** A changeset from one recording function per event type (in the manner of `handlers`) and one writer. */
export function changesetOf<E extends DomainEvent, Changes>(
  open: () => Changes,
  recorders: ChangeRecorders<E, Changes>,
  statements: (changes: Changes, table: ProjectionContext['table']) => SqlStatement[],
): () => Changeset {
  const byType = recorders as Readonly<Record<string, ((event: RecordedEvent, changes: Changes) => void) | undefined>>;
  return () => {
    const changes = open();
    return {
      eventTypes: Object.keys(byType),
      add(event) {
        const record = byType[event.type];
        if (!record) return false;
        record(event, changes);
        return true;
      },
      statements: (table) => statements(changes, table),
    };
  };
}

/**
 * Data-modifying statements as the common table expressions of one statement: one round trip. Each one's parameters
 * are renumbered after those before it (their text holds no `$` but parameter references).
 */
export function asOneStatement(statements: SqlStatement[]): SqlStatement {
  const values: unknown[] = [];
  const expressions = statements.map(({ text, values: own }, i) => {
    const offset = values.length;
    values.push(...own);
    return `change${i} as (${text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
  });
  return { text: `with ${expressions.join(',\n')}\nselect 1`, values };
}

/** A jsonb parameter of an unnest column: absent (undefined) becomes SQL null, to be coalesced with the row's value. */
export const jsonOrNull = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
