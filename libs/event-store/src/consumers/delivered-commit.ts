import { JsMsg } from 'nats';
import { decodeCommit } from '../commit-codec';
import { EventStore, listedEventTypes, unlistedCommit } from '../event-store';
import { Commit } from '../recorded-event';

/** A delivered message: its commit, or why it could not be decoded. Decoding never throws out of a consumer's loop. */
export type Delivered = { streamSeq: number; subject: string; eventTypes: string[] } & (
  { commit: Commit } | { undecodable: unknown }
);

/**
 * Decodes a message (one this process appended a moment ago is taken as it was appended, not parsed again), or passes
 * it over undecoded when its `Flotilla-Event-Types` header lists none of the types the consumer reacts to (the commit
 * then has no events, so a position still moves past it).
 */
export function decodeDelivered(store: EventStore, message: JsMsg, eventTypes?: readonly string[]): Delivered {
  const appended = store.appendedCommit(message);
  const listed = appended ? appended.events.map((e) => e.type) : listedEventTypes(message);
  const base = { streamSeq: message.seq, subject: message.subject, eventTypes: listed ?? [] };
  const unlisted = unlistedCommit(message, eventTypes, (type) => store.upcasters.knows(type), listed);
  if (unlisted) return { ...base, commit: unlisted };
  if (appended) return { ...base, commit: appended };
  try {
    // Parsed: it was not one of this process's own (`appended` above), so the store need not look for it again.
    const commit = decodeCommit(message.data, message.subject, message.seq, store.upcasters);
    return { ...base, eventTypes: commit.events.map((e) => e.type), commit };
  } catch (err) {
    return { ...base, undecodable: err };
  }
}
