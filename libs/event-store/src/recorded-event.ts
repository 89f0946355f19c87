import { DomainEvent } from '@flotilla/events';

/** Who asked and why: carried by every commit and so by each of its events. */
export interface EventMetadata {
  actor: string;
  correlationId: string;
  causationId: string | null;
  commandId: string | null;
}

/** An event as read back from the log, with its position. */
export interface RecordedEvent<E extends DomainEvent = DomainEvent> {
  id: string;
  type: E['type'];
  schemaVersion: number;
  data: E['data'];
  time: string;
  subject: string;
  aggregateType: string;
  aggregateId: string;
  /** Stream sequence of the commit holding this event. */
  streamSeq: number;
  /** Position of the event inside its commit. */
  index: number;
  metadata: EventMetadata;
}

/** One command's events, stored as one message so that the write is atomic. */
export interface Commit<E extends DomainEvent = DomainEvent> {
  streamSeq: number;
  subject: string;
  time: string;
  metadata: EventMetadata;
  fingerprint: string | null;
  events: RecordedEvent<E>[];
}
