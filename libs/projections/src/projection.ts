import { EntityManager } from 'typeorm';
import { DomainEvent } from '@flotilla/events';
import { RecordedEvent } from '@flotilla/event-store';
import type { Changeset } from './changeset';

export interface ProjectionContext {
  /** The transaction the event's rows and the checkpoint are written in. */
  manager: EntityManager;
  /** Physical, quoted name of one of the projection's tables (a rebuild writes into fresh copies). */
  table(name: string): string;
}

/** The event of one contract type, as read from the log: its `data` is that type's payload. */
export type RecordedOf<E extends DomainEvent, T extends E['type']> = RecordedEvent<Extract<E, { type: T }>>;

/** One handler per event type of the contract `E`; each receives its own type's payload, checked by the compiler. */
export type EventHandlers<E extends DomainEvent> = {
  [T in E['type']]?: (event: RecordedOf<E, T>, context: ProjectionContext) => Promise<void>;
};

/** A read model in the manner of Commanded's Ecto projections, declared over the contract events `E` it reads. */
export interface ProjectionDefinition<E extends DomainEvent> {
  name: string;
  /** Postgres schema holding the projection's tables and its checkpoint. */
  schema: string;
  /** Tables the projection owns; a rebuild replaces them all at once. */
  tables: string[];
  /** Only commits on these subjects are delivered (default: the whole stream). */
  filterSubject?: string;
  handlers: EventHandlers<E>;
  /**
   * Optional set-based writing for busy tables: a fresh changeset per transaction gathers what its event types
   * change, and writes it all in one statement after the batch's other handlers. Its tables must be disjoint
   * from those `handlers` write, since the changeset is written last.
   */
  changeset?: () => Changeset;
}

export type ProjectionHandler = (event: RecordedEvent, context: ProjectionContext) => Promise<void>;

/** A projection as the runner drives it: events arrive by type tag, so handlers are looked up by it. */
export interface Projection extends Omit<ProjectionDefinition<DomainEvent>, 'handlers'> {
  handlers: Readonly<Record<string, ProjectionHandler | undefined>>;
}

/**
 * Types a projection by the events it reads. The one cast is sound because the log's codec upcasts every event to
 * its current version, so an event tagged `T` carries `T`'s payload.
 */
export function defineProjection<E extends DomainEvent>(definition: ProjectionDefinition<E>): Projection {
  return definition as unknown as Projection;
}

/** Every event type a projection applies (handlers and changeset): a commit of none of them changes nothing. */
export function eventTypesOf(projection: Projection): string[] {
  const handled = Object.keys(projection.handlers).filter((type) => projection.handlers[type]);
  return [...handled, ...(projection.changeset?.().eventTypes ?? [])];
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
