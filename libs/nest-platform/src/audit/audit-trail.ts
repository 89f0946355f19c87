import { AuditPaging, AuditRequest, AuditView, ErrorCodes, pageMeta } from '@flotilla/contracts';
import { Commit, EventStore, isAggregateId, listedEventTypes, RecordedEvent } from '@flotilla/event-store';
import { RequestMeta } from '../rpc/bus-trust';
import { RpcFailure } from '../rpc/rpc-exception.filter';

/** How long one page may take to find and count: past it the gateway has stopped waiting for the answer (10 s). */
const AUDIT_WITHIN_MS = 8_000;

/**
 * One aggregate's history from a service's own log, a page at a time, oldest first. An aggregate belongs to the
 * organization its first event names; to an organization's principal, another's (and the platform's catalog and
 * capacity) answer not_found, as if they did not exist.
 *
 * A history is read, never held: only the commits of the page (and the first, which names the owner) are decoded,
 * the rest counted by the event types their header lists, so a history of millions of commits (a busy plan's
 * capacity) costs one page of memory. One too long to count within `withinMs` answers unavailable, naming the CLI,
 * which streams it.
 */
export async function auditTrail(
  store: EventStore,
  request: AuditRequest,
  aggregate: { subjectType: string; id: string },
  meta: RequestMeta,
  withinMs = AUDIT_WITHIN_MS,
): Promise<AuditView> {
  const notFound = () => new RpcFailure({ code: ErrorCodes.notFound, message: `${request.type} not found` });
  // A name that is no aggregate id (a wildcard, whitespace) names nothing: it must not become a read's filter.
  if (!isAggregateId(aggregate.id)) throw notFound();
  const perPage = request.perPage ?? AuditPaging.defaultPerPage;
  const page = request.page ?? 1;
  const [from, until] = [(page - 1) * perPage, page * perPage];
  const deadline = performance.now() + withinMs;
  const events: RecordedEvent[] = [];
  let total = 0;
  for await (const message of store.readMessages({
    filterSubject: store.subjectFor(aggregate.subjectType, aggregate.id),
  })) {
    const listed = listedEventTypes(message)?.length;
    if (total === 0 || listed === undefined || (total < until && total + listed > from)) {
      const commit = store.decode(message);
      // Another organization's aggregate is left at its first commit, unread.
      if (total === 0 && meta.organizationId && ownerOf(commit) !== meta.organizationId) throw notFound();
      for (const event of commit.events) if (total++ >= from && events.length < perPage) events.push(event);
    } else total += listed;
    if (performance.now() > deadline)
      throw new RpcFailure({
        code: ErrorCodes.unavailable,
        message: `the history of ${request.type} ${request.name} is too long to page here: read it with the CLI (flotilla audit)`,
      });
  }
  if (!total) throw notFound();
  return {
    type: request.type,
    id: aggregate.id,
    events: events.map((event) => ({
      seq: event.streamSeq,
      time: event.time,
      type: event.type,
      version: event.schemaVersion,
      actor: event.metadata.actor,
      correlation_id: event.metadata.correlationId,
      causation_id: event.metadata.causationId,
      command_id: event.metadata.commandId,
      data: event.data,
    })),
    // Metal's `meta`, as every list has, its links at the route that shows the history.
    meta: pageMeta(`/audit/${request.type}/${encodeURIComponent(request.name)}`, page, perPage, total),
  };
}

/** The organization an aggregate belongs to: the one its first commit names. */
function ownerOf(commit: Commit): string | undefined {
  return commit.events
    .map((event) => (event.data as { organizationId?: unknown } | null)?.organizationId)
    .find((id): id is string => typeof id === 'string');
}
