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
  /** Keeps the snapshot in place of an older one of its aggregate, and of any in an older format. */
  save(snapshot: AggregateSnapshot): Promise<void>;
  /** Removes every snapshot of the aggregate, of any format. */
  drop(stream: StreamIdentity, subject: string): Promise<void>;
}

export interface SnapshotPolicy<State = unknown> {
  store: AggregateSnapshotStore;
  /** The state's shape; raise it whenever the state's type changes. */
  format: number;
  /** Commits between two snapshots of an aggregate (more when it holds many command ids: see the repository). */
  every: number;
  /**
   * An aggregate in this state has ended (a retired device): it is loaded rarely if ever again, so it keeps no
   * snapshot, and the one it had is dropped rather than kept for as long as the system lives.
   */
  ended?: (state: State) => boolean;
  /** Told of a snapshot that could not be saved or dropped (the next one is tried `every` commits later). */
  onSaveError?: (err: unknown) => void;
  /** Told of a snapshot that could not be read (Postgres away): the aggregate is then read from the log alone. */
  onReadError?: (err: unknown) => void;
}
