import { JsMsg } from 'nats';
import { EVENT_TYPES_HEADER, EventStore } from '../event-store';
import { Commit } from '../recorded-event';

/** A delivered message: its commit, or why it could not be decoded. Decoding never throws out of a consumer's loop. */
export type Delivered = { streamSeq: number; subject: string; eventTypes: string[] } & (
  { commit: Commit } | { undecodable: unknown }
);

/**
 * Decodes a message, or passes it over undecoded when its `Flotilla-Event-Types` header lists none of the types the
 * consumer reacts to (the commit then has no events, so a position still moves past it).
 */
export function decodeDelivered(store: EventStore, message: JsMsg, eventTypes?: readonly string[]): Delivered {
  const listed = message.headers?.get(EVENT_TYPES_HEADER);
  const types = listed ? listed.split(',') : [];
  const base = { streamSeq: message.seq, subject: message.subject, eventTypes: types };
  if (eventTypes && listed && !types.some((type) => eventTypes.includes(type))) {
    const metadata = { actor: '', correlationId: '', causationId: null, commandId: null };
    return {
      ...base,
      commit: { streamSeq: message.seq, subject: message.subject, time: '', metadata, fingerprint: null, events: [] },
    };
  }
  try {
    const commit = store.decode(message);
    return { ...base, eventTypes: commit.events.map((e) => e.type), commit };
  } catch (err) {
    return { ...base, undecodable: err };
  }
}
