import { randomUUID } from 'node:crypto';
import { DomainEvent } from '@flotilla/events';

/** One commit of a made-up history: the aggregate's type and id, and its events. */
export type HistoryEntry = [aggregateType: string, aggregateId: string, events: DomainEvent[]];

/**
 * Commits as the event store reads them back (stream sequences from 1, one second apart), for feeding projections
 * a history without a log.
 */
export function commitsOf(history: HistoryEntry[]) {
  return history.map(([aggregateType, aggregateId, events], i) => {
    const streamSeq = i + 1;
    const time = new Date(Date.UTC(2026, 0, 1, 0, 0, streamSeq)).toISOString();
    const metadata = { actor: 'test', correlationId: `history-${streamSeq}`, causationId: null, commandId: null };
    const subject = `evt.test.${aggregateType}.${aggregateId}`;
    return {
      streamSeq,
      subject,
      time,
      metadata,
      fingerprint: null,
      events: events.map((event, index) => ({
        id: randomUUID(),
        type: event.type,
        schemaVersion: 1,
        data: event.data,
        time,
        subject,
        aggregateType,
        aggregateId,
        streamSeq,
        index,
        metadata,
      })),
    };
  });
}
