/** A commit a consumer could not apply, set aside so the rest of the log goes on (platform.md §4a). */
export interface ParkedCommit {
  consumer: string;
  stream: string;
  /** The stream's creation time: a parked commit of a stream since recreated is of no more use. */
  streamCreated: string;
  streamSeq: number;
  subject: string;
  /** The event types the commit holds (empty when it could not be decoded). */
  eventTypes: string[];
  error: string;
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
}

/**
 * `parked`: waiting for an operator; `retry`: an operator asked for another try; `retried`: applied on one; `skipped`:
 * left out for good.
 */
export type ParkedStatus = 'parked' | 'retry' | 'retried' | 'skipped';

/** Where parked commits are kept and operators' decisions about them are read. */
export interface ParkedStore {
  /** Records a parked commit; parking one that is already recorded only updates its error and attempts. */
  park(commit: ParkedCommit): Promise<void>;
  /** The status of a commit this consumer parked before, if it did. */
  statusOf(consumer: string, streamSeq: number): Promise<ParkedStatus | null>;
  /** Commits an operator asked to retry, plus those of `watched` that another instance has retried since. */
  retryRequests(consumer: string, watched: readonly number[]): Promise<{ streamSeq: number; status: ParkedStatus }[]>;
  /** Marks a retry done; false if it was not requested any more (another instance did it). */
  markRetried(consumer: string, streamSeq: number): Promise<boolean>;
  /** A retry failed again: back to parked, with the new error. */
  retryFailed(consumer: string, streamSeq: number, error: string): Promise<void>;
  count(consumer: string): Promise<number>;
}
