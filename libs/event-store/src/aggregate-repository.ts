import { DomainEvent } from '@flotilla/contracts';
import { Decider, foldEvents } from '@flotilla/decider';
import { ConcurrencyError } from './errors';
import { AppendOptions, EventStore } from './event-store';
import { Commit, RecordedEvent } from './recorded-event';

export interface ExecuteOptions {
  metadata: AppendOptions['metadata'];
  commandId?: string;
  fingerprint?: string;
}

export interface ExecuteResult<State, Event extends DomainEvent> {
  state: State;
  version: number;
  events: RecordedEvent<Event>[];
  duplicate: boolean;
}

export type GroupOutcome<State, Event extends DomainEvent> = ({ ok: true } & Omit<ExecuteResult<State, Event>, 'duplicate'>) | { ok: false; error: unknown };

interface CachedAggregate<State> {
  state: State;
  version: number;
}

/**
 * Runs commands against one kind of aggregate: load → decide → append with optimistic concurrency, retried on
 * fresh state when another writer got there first. Loaded state stays cached, so a command's cost does not grow
 * with the aggregate's history; a stale cache costs one conflict and a catch-up read of the newer commits.
 */
export class AggregateRepository<Command, State, Event extends DomainEvent> {
  private readonly cache = new Map<string, CachedAggregate<State>>();

  constructor(
    private readonly store: EventStore,
    private readonly aggregateType: string,
    private readonly decider: Decider<Command, State, Event>,
    private readonly clock: () => Date = () => new Date(),
    private readonly options: {
      maxAttempts?: number;
      cacheSize?: number;
      /** A working copy of a state, for deciders whose `evolve` writes in place (see executeMany). */
      clone?: (state: State) => State;
    } = {},
  ) {}

  async load(aggregateId: string): Promise<CachedAggregate<State>> {
    const subject = this.store.subjectFor(this.aggregateType, aggregateId);
    return this.catchUp(subject, this.cached(subject));
  }

  private cached(subject: string): CachedAggregate<State> {
    return this.cache.get(subject) ?? { state: this.decider.initialState(), version: 0 };
  }

  async execute(aggregateId: string, command: Command, options: ExecuteOptions): Promise<ExecuteResult<State, Event>> {
    const subject = this.store.subjectFor(this.aggregateType, aggregateId);
    if (options.commandId) {
      const prior = await this.store.priorCommit(options.commandId, options.fingerprint);
      if (prior) return this.duplicateResult(subject, prior);
    }
    let current = this.cache.get(subject);
    // A cached state may be stale (another instance, or a write of this one still in flight). An append on it is
    // checked by optimistic concurrency; a refusal or a no-op is not, so those are only trusted on fresh state.
    let fresh = !current;
    current ??= await this.catchUp(subject, this.cached(subject));
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      let events: Event[];
      try {
        events = this.decider.decide(command, current.state, { now: this.clock() });
      } catch (err) {
        if (fresh) throw err;
        current = await this.catchUp(subject, current);
        fresh = true;
        attempt--;
        continue;
      }
      if (events.length === 0) {
        if (fresh) return { ...current, events: [], duplicate: false };
        current = await this.catchUp(subject, current);
        fresh = true;
        attempt--;
        continue;
      }
      try {
        const { commit, duplicate } = await this.store.append(subject, events, {
          expectedVersion: current.version,
          metadata: options.metadata,
          commandId: options.commandId,
          fingerprint: options.fingerprint,
          now: this.clock(),
        });
        if (duplicate) return this.duplicateResult(subject, commit);
        const next = { state: foldEvents(this.decider, commit.events.map(asDomainEvent<Event>), current.state), version: commit.streamSeq };
        this.remember(subject, next);
        return { ...next, events: commit.events as RecordedEvent<Event>[], duplicate: false };
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || attempt >= maxAttempts) throw err;
        const { state, version, commits } = await this.catchUpWithCommits(subject, current);
        current = { state, version };
        fresh = true;
        const mine = options.commandId && commits.find((c) => c.metadata.commandId === options.commandId);
        if (mine) return this.duplicateResult(subject, mine);
      }
    }
  }

  /**
   * Group commit: decides `commands` one after the other on the newest state, each seeing the events of those before
   * it, and appends all their events as one commit (retried on fresh state after a conflict). A command that is
   * refused fails alone. Many commands then cost one write: the way to serve a hot aggregate. Commands with a
   * command id are not for grouping (one commit records one id).
   */
  async executeMany(aggregateId: string, commands: Command[], options: Pick<ExecuteOptions, 'metadata'>): Promise<GroupOutcome<State, Event>[]> {
    const subject = this.store.subjectFor(this.aggregateType, aggregateId);
    const clone = this.options.clone ?? ((state: State) => state);
    for (let attempt = 1; ; attempt++) {
      const current = await this.catchUp(subject, this.cached(subject));
      let working = clone(current.state);
      const decided: ({ events: Event[] } | { error: unknown })[] = commands.map((command) => {
        try {
          const events = this.decider.decide(command, working, { now: this.clock() });
          working = foldEvents(this.decider, events, working);
          return { events };
        } catch (error) {
          return { error };
        }
      });
      const all = decided.flatMap((d) => ('events' in d ? d.events : []));
      if (all.length === 0) return decided.map((d) => ('error' in d ? { ok: false, error: d.error } : { ok: true, state: current.state, version: current.version, events: [] }));
      try {
        const { commit } = await this.store.append(subject, all, { expectedVersion: current.version, metadata: options.metadata, now: this.clock() });
        const next = { state: working, version: commit.streamSeq };
        this.remember(subject, next);
        let offset = 0;
        return decided.map((d) => {
          if ('error' in d) return { ok: false, error: d.error };
          const events = commit.events.slice(offset, offset + d.events.length) as RecordedEvent<Event>[];
          offset += d.events.length;
          return { ok: true, ...next, events };
        });
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || attempt >= (this.options.maxAttempts ?? 5)) throw err;
      }
    }
  }

  private async duplicateResult(subject: string, commit: Commit): Promise<ExecuteResult<State, Event>> {
    const current = await this.catchUp(subject, this.cached(subject));
    return { ...current, events: commit.events as RecordedEvent<Event>[], duplicate: true };
  }

  private async catchUp(subject: string, from: CachedAggregate<State>): Promise<CachedAggregate<State>> {
    const { state, version } = await this.catchUpWithCommits(subject, from);
    return { state, version };
  }

  private async catchUpWithCommits(subject: string, from: CachedAggregate<State>) {
    const { commits, version } = await this.store.readAggregate(subject, from.version);
    let state = from.state;
    for (const commit of commits) state = foldEvents(this.decider, commit.events.map(asDomainEvent<Event>), state);
    const next = { state, version };
    this.remember(subject, next);
    return { ...next, commits };
  }

  private remember(subject: string, entry: CachedAggregate<State>): void {
    this.cache.delete(subject);
    this.cache.set(subject, entry);
    const limit = this.options.cacheSize ?? 10_000;
    if (this.cache.size > limit) this.cache.delete(this.cache.keys().next().value as string);
  }
}

export function asDomainEvent<Event extends DomainEvent>(recorded: RecordedEvent): Event {
  return { type: recorded.type, data: recorded.data } as Event;
}
