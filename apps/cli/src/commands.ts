import { Reply } from '@flotilla/contracts';
import { foldEvents } from '@flotilla/decider';
import {
  asDomainEvent,
  Commit,
  describeError,
  EventStore,
  ParkedStatus,
  ReadRangeOptions,
} from '@flotilla/event-store';
import { busRequest, UnsignedPrincipal } from '@flotilla/nest-platform';
import { ParkedRow, rebuildProjection, runMigrations, TableDifference, verifyProjection } from '@flotilla/projections';
import { aggregateKind } from './aggregates';
import { CliContext, ServiceName } from './cli-context';

export type Output = (line: string) => void;

const SERVICES: ServiceName[] = ['batch', 'update'];

/**
 * Every event from a sequence or a time, one JSON object per line: the audit log of the whole stream. A commit that
 * cannot be decoded is a line of its own saying so.
 */
export async function replay(
  context: CliContext,
  options: { fromSeq?: number; fromTime?: Date; subject?: string },
  out: Output,
  progress: Progress = () => undefined,
): Promise<number> {
  const store = await context.store();
  let count = 0;
  const onUndecodable = (streamSeq: number, subject: string, error: unknown) =>
    out(JSON.stringify({ streamSeq, subject, undecodable: describeError(error) }));
  const commits = readReporting(
    store,
    { fromSeq: options.fromSeq, fromTime: options.fromTime, filterSubject: options.subject, onUndecodable },
    progress,
  );
  for await (const commit of commits) {
    for (const event of commit.events) {
      out(JSON.stringify(event));
      count++;
    }
  }
  return count;
}

/**
 * One aggregate's commits from its service's log, named as an operator names it (see `AGGREGATES`), read as they come
 * (a busy plan's capacity has millions: none is held).
 */
async function* historyOf(context: CliContext, aggregateType: string, name: string) {
  const kind = aggregateKind(aggregateType);
  const store = await context.store(kind.log);
  let found = false;
  for await (const commit of store.readRange({ filterSubject: store.subjectFor(kind.subjectType, kind.idOf(name)) })) {
    found = true;
    yield commit;
  }
  if (!found) throw new Error(`no ${aggregateType} ${name} in the ${kind.log} log`);
}

/** The history of one aggregate of either service: every event with when, who, why (correlation, causation), what. */
export async function audit(context: CliContext, aggregateType: string, name: string, out: Output): Promise<void> {
  for await (const commit of historyOf(context, aggregateType, name)) {
    for (const event of commit.events) {
      const { actor, correlationId, causationId } = event.metadata;
      out(
        [
          event.time,
          `seq ${event.streamSeq}`,
          actor.padEnd(24),
          `correlation ${correlationId}`,
          `causation ${causationId ?? '-'}`,
          event.type,
          JSON.stringify(event.data),
        ].join('  '),
      );
    }
  }
}

/** The state of an aggregate of either service as it was at a time or a stream sequence. */
export async function timeTravel(
  context: CliContext,
  aggregateType: string,
  name: string,
  at: { seq?: number; time?: Date },
): Promise<unknown> {
  const kind = aggregateKind(aggregateType);
  const decider = kind.decider(kind.idOf(name));
  let state = decider.initialState();
  for await (const commit of historyOf(context, aggregateType, name)) {
    if (at.seq !== undefined && commit.streamSeq > at.seq) break;
    if (at.time === undefined || new Date(commit.time) <= at.time)
      state = foldEvents(decider, commit.events.map(asDomainEvent), state);
  }
  const view = kind.view ? kind.view(state) : state;
  return JSON.parse(JSON.stringify(view, (_key, value) => (value instanceof Set ? [...value] : value)));
}

type Progress = (position: number, target: number) => void;

/** How often a read of the log reports its position: a terminal is redrawn per this many commits, not per commit. */
const PROGRESS_EVERY = 500;

/**
 * The log's commits up to its end as reading starts (`readRange`), reporting the position now and then and the whole
 * way once they end.
 */
async function* readReporting(
  store: EventStore,
  options: Omit<ReadRangeOptions, 'untilSeq'>,
  progress: Progress,
): AsyncGenerator<Commit> {
  const untilSeq = await store.lastSequence();
  let read = 0;
  for await (const commit of store.readRange({ ...options, untilSeq })) {
    if (++read % PROGRESS_EVERY === 0) progress(commit.streamSeq, untilSeq);
    yield commit;
  }
  progress(untilSeq, untilSeq);
}

/** The read models a command names: one, or every one of both services for `--all`. */
function readModels(context: CliContext, name: string) {
  const known = context.projections();
  if (name === '--all') return Object.entries(known);
  if (!known[name]) throw new Error(`unknown read model "${name}"; known: ${Object.keys(known).join(', ')}, --all`);
  return [[name, known[name]] as const];
}

/**
 * Replays read models (one, or `--all`) into fresh tables and swaps them in; progress goes to `progress(name)`.
 * Returns the position each reached.
 */
export async function rebuild(
  context: CliContext,
  name: string,
  progress: (name: string) => Progress,
): Promise<Record<string, number>> {
  const reached: Record<string, number> = {};
  for (const [model, entry] of readModels(context, name)) {
    const { position } = await rebuildProjection(
      await context.store(entry.log),
      await context.database(entry.service),
      entry.projection,
      { onProgress: progress(model) },
    );
    reached[model] = position;
  }
  return reached;
}

/**
 * Rebuilds read models (one, or `--all`) into a shadow schema each, up to their checkpoints, and lists every row that
 * differs from the live read model. `keepShadow` leaves the shadow schemas for a closer look.
 */
export async function verify(
  context: CliContext,
  name: string,
  options: { keepShadow?: boolean },
  progress: (name: string) => Progress,
): Promise<Record<string, { position: number; shadowSchema: string; differences: TableDifference[] }>> {
  const outcome: Record<string, { position: number; shadowSchema: string; differences: TableDifference[] }> = {};
  for (const [model, entry] of readModels(context, name)) {
    outcome[model] = await verifyProjection(
      await context.store(entry.log),
      await context.database(entry.service),
      entry.projection,
      { keepShadow: options.keepShadow, onProgress: progress(model) },
    );
  }
  return outcome;
}

export function formatVerified(outcome: Awaited<ReturnType<typeof verify>>, out: Output): boolean {
  let agree = true;
  for (const [model, { position, shadowSchema, differences }] of Object.entries(outcome)) {
    if (!differences.length) {
      out(`${model}: agrees with the log up to seq ${position}`);
      continue;
    }
    agree = false;
    out(`${model}: differs from the log up to seq ${position} (rebuilt in ${shadowSchema})`);
    for (const d of differences) {
      out(`  ${d.table}: ${d.missing} rows missing, ${d.unexpected} unexpected`);
      for (const { change, row } of d.rows) out(`    ${change.padEnd(10)} ${row}`);
    }
  }
  return agree;
}

/**
 * The events of both logs as JSON Lines (each with its log, sequence, subject, time, metadata and data), of one
 * organization and/or a time range. An aggregate belongs to the organization its first event names (every aggregate
 * of an organization starts with an event carrying `organizationId`); the catalog and capacity are the platform's.
 */
export async function exportEvents(
  context: CliContext,
  filter: { organizationId?: string; from?: Date; until?: Date },
  out: Output,
  progress: (log: string) => Progress = () => () => undefined,
): Promise<number> {
  let count = 0;
  for (const log of SERVICES) {
    const store = await context.store(log);
    const owners = new Map<string, string | null>();
    for await (const commit of readReporting(store, { onUndecodable: () => undefined }, progress(log))) {
      for (const event of commit.events) {
        if (!owners.has(event.subject)) {
          const owner = (event.data as { organizationId?: unknown } | null)?.organizationId;
          owners.set(event.subject, typeof owner === 'string' ? owner : null);
        }
        if (filter.organizationId && owners.get(event.subject) !== filter.organizationId) continue;
        const time = new Date(event.time);
        if ((filter.from && time < filter.from) || (filter.until && time >= filter.until)) continue;
        const { streamSeq, subject, type, schemaVersion, metadata, data, id } = event;
        out(JSON.stringify({ log, streamSeq, subject, time: event.time, id, type, v: schemaVersion, metadata, data }));
        count++;
      }
    }
  }
  return count;
}

/** Migrates every service's schema (the deployment's migration Job runs this once, before the services). */
export async function migrate(context: CliContext): Promise<Record<ServiceName, string[]>> {
  const applied = {} as Record<ServiceName, string[]>;
  for (const service of SERVICES) applied[service] = await runMigrations(await context.database(service));
  return applied;
}

/** Parked commits of every consumer of both services, waiting ones only unless `all`. */
export async function listParked(
  context: CliContext,
  options: { all?: boolean; consumer?: string } = {},
): Promise<ParkedRow[]> {
  const rows = await Promise.all(SERVICES.map(async (service) => (await context.parked(service)).list(options)));
  return rows.flat().sort((a, b) => b.lastFailedAt.getTime() - a.lastFailedAt.getTime());
}

export function formatParked(rows: ParkedRow[], out: Output): void {
  if (rows.length === 0) return out('no parked commits');
  out(
    [
      'consumer'.padEnd(30),
      'seq'.padStart(10),
      'status'.padEnd(8),
      'tries',
      'last failure'.padEnd(24),
      'subject / error',
    ].join('  '),
  );
  for (const r of rows) {
    out(
      [
        r.consumer.padEnd(30),
        String(r.streamSeq).padStart(10),
        r.status.padEnd(8),
        String(r.attempts).padStart(5),
        r.lastFailedAt.toISOString().padEnd(24),
        r.subject,
      ].join('  '),
    );
    out(`${' '.repeat(30)}  ${r.eventTypes.join(', ') || '(undecodable)'}: ${r.error}`);
  }
}

/**
 * An operator's decision on a parked commit. `retry` asks the consumer's service to apply it again (it does within
 * seconds, exactly once) and waits for the outcome; `skip` leaves it out for good.
 */
export async function decideParked(
  context: CliContext,
  consumer: string,
  streamSeq: number,
  decision: 'retry' | 'skip',
  options: { by?: string; waitMs?: number } = {},
): Promise<{ status: ParkedStatus | 'pending'; error?: string }> {
  for (const service of SERVICES) {
    const store = await context.parked(service);
    if (!(await store.decide(consumer, streamSeq, decision, options.by ?? `cli:${process.env.USER ?? 'operator'}`)))
      continue;
    if (decision === 'skip') return { status: 'skipped' };
    const deadline = performance.now() + (options.waitMs ?? 30_000);
    while (performance.now() < deadline) {
      const [row] = (await store.list({ consumer, all: true })).filter((r) => r.streamSeq === streamSeq);
      if (row.status === 'retried') return { status: 'retried' };
      if (row.status === 'parked') return { status: 'parked', error: row.error };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return { status: 'pending' };
  }
  throw new Error(`no parked commit ${streamSeq} of consumer "${consumer}" waiting for a decision`);
}

/**
 * Sends one command or query over the bus with a signed principal, as another service would: as a named service
 * with its own key (FLOTILLA_SERVICE_NAME, FLOTILLA_SERVICE_KEY) for an organization, or as root with the bus key.
 */
export async function request(
  context: CliContext,
  subject: string,
  payload: unknown,
  as: { principal: UnsignedPrincipal; key: string },
): Promise<Reply<unknown>> {
  try {
    return await busRequest(await context.connection(), subject, payload, as);
  } catch (err) {
    // nats.js names the outcome by a bare code.
    const code = (err as { code?: string }).code;
    if (code === '503') throw new Error(`no service answers ${subject} (is it running, under this subject prefix?)`);
    if (code === 'TIMEOUT') throw new Error(`${subject} was not answered in time`);
    throw err;
  }
}
