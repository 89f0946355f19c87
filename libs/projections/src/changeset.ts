import { RecordedEvent } from '@flotilla/event-store';
import type { ProjectionContext } from './projection';

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
    return {
      add(event) {
        const record = recorders[event.type];
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
