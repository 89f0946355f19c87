import { randomUUID } from 'node:crypto';
import { DomainEvent, eventDataJson } from '@flotilla/events';
import { Commit, EventMetadata } from './recorded-event';
import { Upcasters } from './upcasting';

/** The message body of one commit: the wire format of the event log. */
export interface CommitEnvelope {
  format: 1;
  time: string;
  metadata: EventMetadata;
  fingerprint: string | null;
  /** `m`: what of an event's metadata differs from the commit's (events of a group commit's later commands). */
  events: { id: string; type: string; v: number; data: unknown; m?: Partial<EventMetadata> }[];
}

/** The fields of `own` that differ from `common`, or undefined when none do. */
function difference(own: EventMetadata, common: EventMetadata): Partial<EventMetadata> | undefined {
  const fields = (Object.keys(own) as (keyof EventMetadata)[]).filter((key) => own[key] !== common[key]);
  return fields.length ? Object.fromEntries(fields.map((key) => [key, own[key]])) : undefined;
}

export function encodeCommit(
  events: DomainEvent[],
  metadata: EventMetadata,
  time: Date,
  fingerprint: string | null,
  upcasters: Upcasters,
  eventMetadata?: EventMetadata[],
): { body: Buffer; envelope: CommitEnvelope } {
  const envelope: CommitEnvelope = {
    format: 1,
    time: time.toISOString(),
    metadata,
    fingerprint,
    events: events.map((event, index) => {
      const m = eventMetadata && difference(eventMetadata[index], metadata);
      return {
        id: randomUUID(),
        type: event.type,
        v: upcasters.currentVersion(event.type),
        data: event.data,
        ...(m && { m }),
      };
    }),
  };
  return { body: Buffer.from(envelopeJson(envelope, events)), envelope };
}

/**
 * `JSON.stringify(envelope)`, character for character, with each event's data as it was written when its decider
 * sized it (`eventDataJson`), not written again.
 */
function envelopeJson(envelope: CommitEnvelope, events: DomainEvent[]): string {
  const parts = envelope.events.map(({ id, type, v, m }, index) => {
    const data = eventDataJson(events[index]);
    return (
      `{"id":${JSON.stringify(id)},"type":${JSON.stringify(type)},"v":${JSON.stringify(v)}` +
      `${data === undefined ? '' : `,"data":${data}`}${m ? `,"m":${JSON.stringify(m)}` : ''}}`
    );
  });
  const { format, time, metadata, fingerprint } = envelope;
  return (
    `{"format":${format},"time":${JSON.stringify(time)},"metadata":${JSON.stringify(metadata)},` +
    `"fingerprint":${JSON.stringify(fingerprint)},"events":[${parts.join(',')}]}`
  );
}

/** `evt.<ctx>.<aggregateType>.<aggregateId>` */
export function parseAggregateSubject(subject: string): { aggregateType: string; aggregateId: string } {
  const parts = subject.split('.');
  return { aggregateType: parts[parts.length - 2] ?? '', aggregateId: parts[parts.length - 1] ?? '' };
}

export function commitFromEnvelope(
  envelope: CommitEnvelope,
  subject: string,
  streamSeq: number,
  upcasters: Upcasters,
): Commit {
  const { aggregateType, aggregateId } = parseAggregateSubject(subject);
  return {
    streamSeq,
    subject,
    time: envelope.time,
    metadata: envelope.metadata,
    fingerprint: envelope.fingerprint ?? null,
    events: envelope.events.map((event, index) => {
      const { version, data } = upcasters.upcast(event.type, event.v, event.data);
      return {
        id: event.id,
        type: event.type,
        schemaVersion: version,
        data,
        time: envelope.time,
        subject,
        aggregateType,
        aggregateId,
        streamSeq,
        index,
        metadata: event.m ? { ...envelope.metadata, ...event.m } : envelope.metadata,
      };
    }),
  };
}

export function decodeCommit(body: Uint8Array, subject: string, streamSeq: number, upcasters: Upcasters): Commit {
  const envelope = JSON.parse(Buffer.from(body).toString('utf8')) as CommitEnvelope;
  return commitFromEnvelope(envelope, subject, streamSeq, upcasters);
}
