import { DeviceEvent } from '@flotilla/contracts';
import { DeviceAttempts, evolveAttempts, NO_ATTEMPTS, startsAttemptsOver } from '@flotilla/update-domain';

/**
 * What a check decides on beyond the device table, by row, as a snapshot writes it down. Columns rather than an
 * object per device: a fleet has a million. Typed columns may have room beyond the table's size.
 */
export interface CheckingColumns {
  /** The sequence of the device's last commit; 0: not known. */
  versions: Float64Array;
  /** The device's cut-off (epoch ms). */
  cutoffs: Float64Array;
  /** Rows with attempts since their cut-off (few: a device is offered an update now and then). */
  attempts: Map<number, DeviceAttempts['attempts']>;
}

/** Columns for `rows` devices and a quarter more, so that the first devices put after a start copy nothing. */
export function checkingWithRoomFor(rows: number): CheckingColumns {
  const room = rows + (rows >> 2);
  return { versions: new Float64Array(room), cutoffs: new Float64Array(room), attempts: new Map() };
}

/**
 * Each device's attempts since its cut-off, folded by the aggregate's own `evolveAttempts`, and the sequence of its
 * last commit, which an append decided on them expects. A row is known once the view has applied, in order, every
 * commit of its device since an event that starts its attempts over (its registration, a firmware change, an
 * unquarantine), or has them from a snapshot. A commit passed over or applied late makes every row unknown: until
 * known again, a check reads its device from the log.
 */
export class DeviceChecking {
  private columns = checkingWithRoomFor(0);

  /** Folds one of the device's events, of its commit at `seq`. */
  apply(row: number, event: DeviceEvent, seq: number): void {
    const known = this.versionOf(row) !== 0;
    if (!known && !startsAttemptsOver(event)) return;
    const { cutoff, attempts } = evolveAttempts(known ? this.at(row) : NO_ATTEMPTS, event);
    if (row >= this.columns.versions.length) this.grow(row);
    const c = this.columns;
    c.versions[row] = seq;
    c.cutoffs[row] = cutoff;
    if (Object.keys(attempts).length === 0) c.attempts.delete(row);
    else c.attempts.set(row, attempts);
  }

  /** The device's attempts and the sequence of its last commit; undefined when they are not known. */
  of(row: number): { attempts: DeviceAttempts; version: number } | undefined {
    const version = this.versionOf(row);
    return version === 0 ? undefined : { attempts: this.at(row), version };
  }

  /** The first `size` rows, copied: what a snapshot writes down while the view goes on. */
  copy(size: number): CheckingColumns {
    const { versions, cutoffs, attempts } = this.columns;
    const copied: CheckingColumns = {
      versions: new Float64Array(size),
      cutoffs: new Float64Array(size),
      attempts: new Map([...attempts].filter(([row]) => row < size)),
    };
    copied.versions.set(versions.subarray(0, size));
    copied.cutoffs.set(cutoffs.subarray(0, size));
    return copied;
  }

  /** Takes a snapshot's columns as they are: for a view that holds no device yet, at a start. */
  load(columns: CheckingColumns): void {
    this.columns = columns;
  }

  /** Every row unknown. */
  clear(): void {
    this.columns = checkingWithRoomFor(0);
  }

  private versionOf(row: number): number {
    return row < this.columns.versions.length ? this.columns.versions[row] : 0;
  }

  private at(row: number): DeviceAttempts {
    return { cutoff: this.columns.cutoffs[row], attempts: this.columns.attempts.get(row) ?? NO_ATTEMPTS.attempts };
  }

  private grow(row: number): void {
    const { versions, cutoffs, attempts } = this.columns;
    const length = Math.max(row + 1, Math.ceil(versions.length * 1.5), 1024);
    this.columns = { versions: new Float64Array(length), cutoffs: new Float64Array(length), attempts };
    this.columns.versions.set(versions);
    this.columns.cutoffs.set(cutoffs);
  }
}
