import { DomainEvent } from '@flotilla/events';
import { RecordedEvent } from '@flotilla/event-store';
import type { ProjectionContext, RecordedOf } from './projection';

export interface Changeset {
  /** Takes the event in if it is of a type the changeset gathers; false leaves it to `handlers`. */
  add(event: RecordedEvent): boolean;
  /** Writes what was gathered, in the transaction of the batch. */
  write(context: ProjectionContext): Promise<void>;
}

/** One recording function per event type of `E`, typed as projection handlers are. */
export type ChangeRecorders<E extends DomainEvent, Changes> = {
  [T in E['type']]?: (event: RecordedOf<E, T>, changes: Changes) => void;
};

/** A changeset from one recording function per event type (in the manner of `handlers`) and one writer. */
export function changesetOf<E extends DomainEvent, Changes>(
  open: () => Changes,
  recorders: ChangeRecorders<E, Changes>,
  write: (changes: Changes, context: ProjectionContext) => Promise<void>,
): () => Changeset {
  const byType = recorders as Readonly<Record<string, ((event: RecordedEvent, changes: Changes) => void) | undefined>>;
  return () => {
    const changes = open();
    return {
      add(event) {
        const record = byType[event.type];
        if (!record) return false;
        record(event, changes);
        return true;
      },
      write: (context) => write(changes, context),
    };
  };
}

/** A jsonb parameter of an unnest column: absent (undefined) becomes SQL null, to be coalesced with the row's value. */
export const jsonOrNull = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
