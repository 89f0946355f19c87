import { AuditPaging, AuditRequest, AuditView, ErrorCodes, pageMeta } from '@flotilla/contracts';
import { EventStore, isAggregateId } from '@flotilla/event-store';
import { RequestMeta } from '../rpc/bus-trust';
import { RpcFailure } from '../rpc/rpc-exception.filter';

/**
 * One aggregate's history from a service's own log, a page at a time, oldest first. An aggregate belongs to the
 * organization its first event names; to an organization's principal, another's (and the platform's catalog and
 * capacity) answer not_found, as if they did not exist.
 */
export async function auditTrail(
  store: EventStore,
  request: AuditRequest,
  aggregate: { subjectType: string; id: string },
  meta: RequestMeta,
): Promise<AuditView> {
  const notFound = () => new RpcFailure({ code: ErrorCodes.notFound, message: `${request.type} not found` });
  // A name that is no aggregate id (a wildcard, whitespace) names nothing: it must not become a read's filter.
  if (!isAggregateId(aggregate.id)) throw notFound();
  const { commits } = await store.readAggregate(store.subjectFor(aggregate.subjectType, aggregate.id));
  const events = commits.flatMap((commit) => commit.events);
  const owner = events
    .map((event) => (event.data as { organizationId?: unknown } | null)?.organizationId)
    .find((id) => typeof id === 'string');
  if (!events.length || (meta.organizationId && owner !== meta.organizationId)) throw notFound();
  const perPage = request.perPage ?? AuditPaging.defaultPerPage;
  const page = request.page ?? 1;
  return {
    type: request.type,
    id: aggregate.id,
    events: events.slice((page - 1) * perPage, page * perPage).map((event) => ({
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
    meta: pageMeta(`/audit/${request.type}/${encodeURIComponent(request.name)}`, page, perPage, events.length),
  };
}
