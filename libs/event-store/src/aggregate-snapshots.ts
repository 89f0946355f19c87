import { StreamIdentity } from './event-store';

/**
 * An aggregate's state as of one of its commits, kept beside the log: loading a long-lived aggregate (a plan's
 * capacity, the catalog) then costs the commits since, not its whole history, however long ago it began.
 */
export interface AggregateSnapshot {
  /** The incarnation of the stream it was taken on: one recreated under the same name starts its sequences again. */
  stream: StreamIdentity;
  subject: string;
  /** The shape of `state` as the repository reads it: a snapshot in another shape is passed over, never misread. */
  format: number;
  /** Stream sequence of the last commit it reflects. */
  version: number;
  state: unknown;
  /** Command ids recorded up to `version`, with the commit of each: a command is as idempotent after it as before. */
  commandIds: [string, number][];
}

export interface AggregateSnapshotStore {
  /** The newest snapshot of `subject` on this incarnation of the stream, in `format`; null when there is none. */
  newest(stream: StreamIdentity, subject: string, format: number): Promise<AggregateSnapshot | null>;
  save(snapshot: AggregateSnapshot): Promise<void>;
}

export interface SnapshotPolicy {
  store: AggregateSnapshotStore;
  /** The state's shape; raise it whenever the state's type changes. */
  format: number;
  /** Commits between two snapshots of an aggregate (more when it holds many command ids: see the repository). */
  every: number;
  /** Told of a snapshot that could not be saved (the next one is tried `every` commits later). */
  onSaveError?: (err: unknown) => void;
  /** Told of a snapshot that could not be read (Postgres away): the aggregate is then read from the log alone. */
  onReadError?: (err: unknown) => void;
}
