import { DomainEvent } from './domain-event';

/** Room in a commit for what goes beside an event's data: its id, type and version, as the event store writes them. */
const ENVELOPE_CHARS = 120;

/**
 * The JSON of each event's data, written once: a decider sizing its events to fit one commit and the event store
 * encoding them share it (each had written every event: a batch's devices are most of what the orchestrator writes).
 * An event is not written into once decided, so what was written stays true.
 */
const written = new WeakMap<DomainEvent, string>();

/** The event's data as JSON; undefined for an event without data, which is written without it. */
export function eventDataJson(event: DomainEvent): string | undefined {
  let json = written.get(event);
  if (json === undefined) {
    json = JSON.stringify(event.data) as string | undefined;
    if (json !== undefined) written.set(event, json);
  }
  return json;
}

/** About the characters the event takes in a commit (the limits this is checked against leave room to spare). */
export function eventJsonSize(event: DomainEvent): number {
  return (eventDataJson(event)?.length ?? 0) + event.type.length + ENVELOPE_CHARS;
}
