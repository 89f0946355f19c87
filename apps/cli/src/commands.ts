import { OrganizationEvent } from '@flotilla/contracts';
import { foldEvents } from '@flotilla/decider';
import { asDomainEvent } from '@flotilla/event-store';
import { rebuildProjection, runMigrations } from '@flotilla/projections';
import { organizationDecider } from '@flotilla/tenancy-domain';
import { CliContext } from './cli-context';

export type Output = (line: string) => void;

/** Aggregates whose state can be shown as of a past moment. */
const deciders = { organization: organizationDecider } as const;

/** Every event from a sequence or a time, one JSON object per line: the audit log of the whole stream. */
export async function replay(context: CliContext, options: { fromSeq?: number; fromTime?: Date; subject?: string }, out: Output): Promise<number> {
  const store = await context.store();
  let count = 0;
  for await (const commit of store.readRange({ fromSeq: options.fromSeq, fromTime: options.fromTime, filterSubject: options.subject })) {
    for (const event of commit.events) {
      out(JSON.stringify(event));
      count++;
    }
  }
  return count;
}

/** The history of one aggregate: when, who, what. */
export async function audit(context: CliContext, aggregateType: string, aggregateId: string, out: Output): Promise<void> {
  const store = await context.store();
  const { commits } = await store.readAggregate(store.subjectFor(aggregateType, aggregateId));
  for (const commit of commits) {
    for (const event of commit.events) {
      out(`${event.time}  seq ${event.streamSeq}  ${event.metadata.actor.padEnd(20)}  ${event.type}  ${JSON.stringify(event.data)}`);
    }
  }
}

/** The state of an aggregate as it was at a time or a stream sequence. */
export async function timeTravel(context: CliContext, aggregateType: string, aggregateId: string, at: { seq?: number; time?: Date }): Promise<unknown> {
  const decider = deciders[aggregateType as keyof typeof deciders];
  if (!decider) throw new Error(`no decider for "${aggregateType}"; known: ${Object.keys(deciders).join(', ')}`);
  const store = await context.store();
  const { commits } = await store.readAggregate(store.subjectFor(aggregateType, aggregateId));
  const past = commits.filter((c) => (at.seq === undefined || c.streamSeq <= at.seq) && (at.time === undefined || new Date(c.time) <= at.time));
  const state = foldEvents(decider, past.flatMap((c) => c.events.map(asDomainEvent<OrganizationEvent>)));
  return JSON.parse(JSON.stringify(state, (_key, value) => (value instanceof Set ? [...value] : value)));
}

/** Replays a read model into fresh tables and swaps them in; a progress bar goes to stderr. */
export async function rebuild(context: CliContext, name: string, progress: (position: number, target: number) => void): Promise<number> {
  const projection = context.projections()[name as keyof ReturnType<CliContext['projections']>];
  if (!projection) throw new Error(`unknown projection "${name}"; known: ${Object.keys(context.projections()).join(', ')}`);
  const { position } = await rebuildProjection(await context.store(), await context.database(), projection, { onProgress: progress });
  return position;
}

export async function migrate(context: CliContext): Promise<string[]> {
  return runMigrations(await context.database());
}
