import { setImmediate as nextTurn } from 'node:timers/promises';
import { DomainEvent, eventJsonSize } from '@flotilla/events';
import { Decider, deepFreeze, foldEvents } from '@flotilla/decider';
import { SnapshotPolicy } from './aggregate-snapshots';
import { ConcurrencyError, IdempotencyMismatchError } from './errors';
import { AppendOptions, EventStore, LastCommit } from './event-store';
import { Commit, RecordedEvent } from './recorded-event';

export interface ExecuteOptions {
  metadata: AppendOptions['metadata'];
  /**
   * Makes the command idempotent for as long as the aggregate exists: its commit records the id, and a command whose
   * id is in the aggregate's history is answered with that commit and writes nothing. A command that creates an
   * aggregate must then name it deterministically from the id (see `stableUuid`), so a retry reaches the same one.
   */
  commandId?: string;
  /** Identifies the request behind the command id; a repeat with another fingerprint is refused. */
  fingerprint?: string;
  /**
   * The caller knows the aggregate exists (a view of the log holds it): one not in the cache is read before the command
   * is decided, instead of being taken to be new and refused first.
   */
  exists?: boolean;
}

export interface ExecuteResult<State, Event extends DomainEvent> {
  state: State;
  version: number;
  events: RecordedEvent<Event>[];
  duplicate: boolean;
}

export type GroupOutcome<State, Event extends DomainEvent> =
  ({ ok: true } & Omit<ExecuteResult<State, Event>, 'duplicate'>) | { ok: false; error: unknown };

interface CachedAggregate<State> {
  state: State;
  version: number;
  /** Command ids in the aggregate's history, and the stream sequence of the commit that recorded each. */
  commandIds: ReadonlyMap<string, number>;
}

const NO_COMMANDS: ReadonlyMap<string, number> = new Map();
/** Command ids a snapshot may carry per commit it saves reading. */
const SNAPSHOT_IDS_PER_COMMIT = 16;
/**
 * Commits folded in one turn of the event loop at most: a long history read whole (no snapshot yet, or one of another
 * format) would otherwise hold the process for what a delivery of it holds, tens of milliseconds a time.
 */
const FOLD_PER_TURN = 256;
/** About the bytes of the events of one group commit at the most: a commit is one JetStream message (1 MB). */
const GROUP_COMMIT_BYTES = 256 * 1024;

/**
 * Runs commands against one kind of aggregate: load → decide → append with optimistic concurrency, retried on
 * fresh state when another writer got there first. Loaded state stays cached, so a command's cost does not grow
 * with the aggregate's history; a stale cache costs one conflict and a catch-up read of the newer commits, and an
 * aggregate created here costs no read at all. States are deep-frozen: the cached one is the one handed out, and
 * nobody can write into it. With a snapshot policy (for aggregates that live as long as the system), an aggregate
 * not in the cache starts from its newest snapshot and reads only the commits since; its last commit is read first
 * (creating one then costs that read), and no snapshot is looked for behind a single commit.
 */
export class AggregateRepository<Command, State, Event extends DomainEvent> {
  private readonly cache = new Map<string, CachedAggregate<State>>();
  /** Commits folded into each cached aggregate since its last snapshot was taken or read. */
  private readonly sinceSnapshot = new Map<string, number>();
  /** Aggregates whose last group commit met another writer's commit: read before the next one is decided. */
  private readonly contended = new Set<string>();
  /** Each aggregate's last snapshot write (a save or a drop) in flight: the next waits for it, never overtakes it. */
  private readonly snapshotWrites = new Map<string, Promise<void>>();
  /** Commits appended by `executeFrom` (which caches nothing) per aggregate, counted toward its next snapshot. */
  private readonly uncached = new Map<string, number>();

  constructor(
    private readonly store: EventStore,
    private readonly aggregateType: string,
    private readonly decider: Decider<Command, State, Event>,
    private readonly clock: () => Date = () => new Date(),
    private readonly options: { maxAttempts?: number; cacheSize?: number; snapshots?: SnapshotPolicy<State> } = {},
  ) {}

  async load(aggregateId: string): Promise<CachedAggregate<State>> {
    const subject = this.store.subjectFor(this.aggregateType, aggregateId);
    return this.read(subject);
  }

  /**
   * The state this instance last knew, or the log's when it knows none. It may be stale: good for choosing what to try
   * next (a command on it is decided again on the log), never for refusing anything.
   */
  async known(aggregateId: string): Promise<State> {
    const subject = this.store.subjectFor(this.aggregateType, aggregateId);
    return (this.cache.get(subject) ?? (await this.read(subject))).state;
  }

  /** The aggregate as cached, else as its newest snapshot has it, else as new. */
  private async cached(subject: string): Promise<CachedAggregate<State>> {
    return (await this.start(subject)).entry;
  }

  /** The aggregate as the log has it now. */
  private async read(subject: string): Promise<CachedAggregate<State>> {
    const { entry, last } = await this.start(subject);
    return this.catchUp(subject, entry, last);
  }

  /**
   * Where a command on the aggregate starts: as cached, else as its newest snapshot has it, else as new; with its last
   * commit when that was read on the way (a read that follows at once need not ask for it again).
   */
  private async start(subject: string): Promise<{ entry: CachedAggregate<State>; last?: LastCommit | null }> {
    const cached = this.cache.get(subject);
    if (cached) return { entry: cached };
    const policy = this.options.snapshots;
    // No snapshot is looked for behind a history of one commit (or none): reading it costs no more.
    const last = policy && (await this.store.lastCommitOf(subject));
    // A snapshot only saves reading: one that cannot be had leaves the log to read, as if there were none.
    const snapshot =
      last &&
      last.appendedAt !== 0 &&
      (await policy.store.newest(this.store.identity, subject, policy.format).catch((err: unknown) => {
        policy.onReadError?.(err);
        return null;
      }));
    // A stream restored from a backup may end before the snapshot: then the snapshot tells of commits it lacks.
    if (snapshot && last.seq >= snapshot.version) {
      this.sinceSnapshot.set(subject, 0);
      const state = deepFreeze(snapshot.state as State);
      const commandIds = snapshot.commandIds.length ? new Map(snapshot.commandIds) : NO_COMMANDS;
      return { entry: { state, version: snapshot.version, commandIds }, last };
    }
    return { entry: { state: deepFreeze(this.decider.initialState()), version: 0, commandIds: NO_COMMANDS }, last };
  }

  async execute(aggregateId: string, command: Command, options: ExecuteOptions): Promise<ExecuteResult<State, Event>> {
    const subject = this.store.subjectFor(this.aggregateType, aggregateId);
    // A cached state may be stale (another instance, or a write of this one still in flight), and an aggregate not in
    // the cache is first taken to be new, so creating one costs no read. An append on either is checked by optimistic
    // concurrency; a refusal or a no-op is not, so those are only trusted on fresh state.
    const start = await this.start(subject);
    let current = start.entry;
    let fresh = false;
    if (options.exists && current.version === 0) {
      current = await this.catchUp(subject, current, start.last);
      fresh = true;
    }
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const prior = options.commandId === undefined ? undefined : current.commandIds.get(options.commandId);
      if (prior !== undefined) return this.duplicateResult(subject, prior, options);
      // One reading of the clock per attempt: the commit's time is the time its command was decided at, so a time an
      // event carries (a batch's `requestedAt`) is the one its read model rows show.
      const now = this.clock();
      let events: Event[];
      try {
        events = this.decider.decide(command, current.state, { now });
      } catch (err) {
        if (fresh) throw err;
        current = await this.catchUp(subject, current);
        fresh = true;
        attempt--;
        continue;
      }
      if (events.length === 0) {
        if (fresh) return { state: current.state, version: current.version, events: [], duplicate: false };
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
          now,
        });
        if (duplicate) return this.duplicateResult(subject, commit.streamSeq, options);
        const advanced = this.advance(current, commit);
        const next = { ...advanced, state: deepFreeze(advanced.state) };
        this.remember(subject, next, 1);
        return {
          state: next.state,
          version: next.version,
          events: commit.events as RecordedEvent<Event>[],
          duplicate: false,
        };
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || attempt >= maxAttempts) throw err;
        current = await this.catchUp(subject, current);
        fresh = true;
      }
    }
  }

  /**
   * `execute` on an aggregate not in the cache whose state a view of the log holds, as it stood at its commit
   * `version`: decided on that state and appended at once, the append's optimistic concurrency proving it current,
   * where `execute` would read the log first. The view's state need only be whole in what the command reads, so
   * nothing is cached from it; a refusal, a no-op or a conflict is left to `execute`, on the log. Not for commands
   * with an id: the view knows of none. With a snapshot policy, an aggregate given a snapshot's worth of commits so is
   * read in the background, so that it is snapshotted as if every command had run on the cache.
   */
  async executeFrom(
    aggregateId: string,
    known: { state: State; version: number },
    command: Command,
    options: Omit<ExecuteOptions, 'commandId' | 'fingerprint'>,
  ): Promise<Pick<ExecuteResult<State, Event>, 'version' | 'events'>> {
    const subject = this.store.subjectFor(this.aggregateType, aggregateId);
    if (this.cache.has(subject)) return this.execute(aggregateId, command, options);
    const now = this.clock();
    let events: Event[];
    try {
      events = this.decider.decide(command, deepFreeze(known.state), { now });
    } catch {
      return this.execute(aggregateId, command, options);
    }
    if (events.length === 0) return this.execute(aggregateId, command, options);
    try {
      const { commit } = await this.store.append(subject, events, {
        expectedVersion: known.version,
        metadata: options.metadata,
        now,
      });
      this.countUncached(subject, aggregateId);
      return { version: commit.streamSeq, events: commit.events as RecordedEvent<Event>[] };
    } catch (err) {
      if (!(err instanceof ConcurrencyError)) throw err;
      return this.execute(aggregateId, command, options);
    }
  }

  private countUncached(subject: string, aggregateId: string): void {
    const policy = this.options.snapshots;
    if (!policy) return;
    const count = (this.uncached.get(subject) ?? 0) + 1;
    this.uncached.delete(subject);
    if (count < policy.every) {
      this.uncached.set(subject, count);
      if (this.uncached.size > (this.options.cacheSize ?? 10_000))
        this.uncached.delete(this.uncached.keys().next().value as string);
      return;
    }
    // Read, it is cached and snapshotted when due; a read that fails leaves that to the aggregate's next command.
    void this.load(aggregateId).catch(() => undefined);
  }

  /**
   * Group commit: decides `commands` one after the other on the newest state, each seeing the events of those before
   * it, and appends all their events as one commit (retried on fresh state after a conflict), each event recorded
   * with its own command's metadata. A command that is refused fails alone. Many commands then cost one write: the
   * way to serve a hot aggregate. A commit is one message, so a group whose events would pass `GROUP_COMMIT_BYTES`
   * is written as several commits, in order. Commands with a command id are not for grouping (one commit records one
   * id).
   */
  async executeMany(
    aggregateId: string,
    commands: { command: Command; metadata: ExecuteOptions['metadata'] }[],
  ): Promise<GroupOutcome<State, Event>[]> {
    const subject = this.store.subjectFor(this.aggregateType, aggregateId);
    const outcomes: GroupOutcome<State, Event>[] = [];
    while (outcomes.length < commands.length)
      outcomes.push(...(await this.commitGroup(subject, commands.slice(outcomes.length))));
    return outcomes;
  }

  /** One commit of the first of `commands` whose events fit in it (at least one); their outcomes. */
  private async commitGroup(
    subject: string,
    commands: { command: Command; metadata: ExecuteOptions['metadata'] }[],
  ): Promise<GroupOutcome<State, Event>[]> {
    // Decided first on the cached state, unread: an append proves it was the newest (optimistic concurrency), and with
    // it every refusal decided beside it. Only a group that appends nothing needs the log read to trust its answers.
    // While another writer is at the aggregate too, the cache is mostly stale: then the log is read first, until a
    // read finds nothing new.
    let current = await this.cached(subject);
    let fresh = false;
    if (this.contended.has(subject)) {
      const caught = await this.catchUp(subject, current);
      if (caught.version === current.version) this.contended.delete(subject);
      current = caught;
      fresh = true;
    }
    for (let attempt = 1; ; attempt++) {
      const now = this.clock(); // the group's commands are decided at, and committed with, one time
      let working = current.state;
      let bytes = 0;
      const decided: ({ events: Event[] } | { error: unknown })[] = [];
      for (const { command } of commands) {
        let events: Event[];
        try {
          events = this.decider.decide(command, working, { now });
        } catch (error) {
          decided.push({ error });
          continue;
        }
        const size = events.reduce((sum, e) => sum + eventJsonSize(e), 0);
        if (bytes > 0 && bytes + size > GROUP_COMMIT_BYTES) break; // it and the rest go in the next commit
        bytes += size;
        working = foldEvents(this.decider, events, working);
        decided.push({ events });
      }
      const all = decided.flatMap((d) => ('events' in d ? d.events : []));
      const eventMetadata = decided.flatMap((d, i) => ('events' in d ? d.events.map(() => commands[i].metadata) : []));
      if (all.length === 0) {
        if (!fresh) {
          current = await this.catchUp(subject, current);
          fresh = true;
          attempt--;
          continue;
        }
        return decided.map((d) =>
          'error' in d
            ? { ok: false, error: d.error }
            : { ok: true, state: current.state, version: current.version, events: [] },
        );
      }
      try {
        const { commit } = await this.store.append(subject, all, {
          expectedVersion: current.version,
          metadata: eventMetadata[0],
          eventMetadata,
          now,
        });
        const next = { state: deepFreeze(working), version: commit.streamSeq, commandIds: current.commandIds };
        this.remember(subject, next, 1);
        let offset = 0;
        return decided.map((d) => {
          if ('error' in d) return { ok: false, error: d.error };
          const events = commit.events.slice(offset, offset + d.events.length) as RecordedEvent<Event>[];
          offset += d.events.length;
          return { ok: true, ...next, events };
        });
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || attempt >= (this.options.maxAttempts ?? 5)) throw err;
        this.contended.add(subject);
        current = await this.catchUp(subject, current);
        fresh = true;
      }
    }
  }

  /** The first commit of a command id, if the request is the same one; the aggregate as it is now. */
  private async duplicateResult(
    subject: string,
    streamSeq: number,
    options: ExecuteOptions,
  ): Promise<ExecuteResult<State, Event>> {
    const commit = await this.store.readCommit(streamSeq);
    if ((commit.fingerprint ?? null) !== (options.fingerprint ?? null))
      throw new IdempotencyMismatchError(options.commandId as string);
    const { state, version } = await this.read(subject);
    return { state, version, events: commit.events as RecordedEvent<Event>[], duplicate: true };
  }

  /** `from` brought up to the log's newest commit (`last`, when it was just read: undefined if not). */
  private async catchUp(
    subject: string,
    from: CachedAggregate<State>,
    last?: LastCommit | null,
  ): Promise<CachedAggregate<State>> {
    const { commits, version } = await this.store.aggregateCommits(subject, from.version, last);
    let next = from;
    let folded = 0;
    for await (const commit of commits) {
      next = this.advance(next, commit);
      if (++folded % FOLD_PER_TURN === 0) await nextTurn();
    }
    // Frozen once, not after each commit: a state that grows with its history (a device's attempts) would then cost
    // the square of that history to read.
    next = { ...next, state: deepFreeze(next.state), version };
    this.remember(subject, next, folded);
    return next;
  }

  /** `from` with `commit` applied, its state not frozen yet: the caller freezes what it keeps. */
  private advance(from: CachedAggregate<State>, commit: Commit): CachedAggregate<State> {
    const state = foldEvents(this.decider, commit.events.map(asDomainEvent<Event>), from.state);
    const { commandId } = commit.metadata;
    if (!commandId) return { state, version: commit.streamSeq, commandIds: from.commandIds };
    // Written in place: a copy per commit would make an aggregate with many ids cost quadratic. Whoever still holds
    // an older entry only learns of ids committed since, which is true of the aggregate either way.
    const commandIds =
      from.commandIds === NO_COMMANDS ? new Map<string, number>() : (from.commandIds as Map<string, number>);
    return { state, version: commit.streamSeq, commandIds: commandIds.set(commandId, commit.streamSeq) };
  }

  /** Caches `entry`, which folded `commits` more commits, and snapshots it when the policy says it is time. */
  private remember(subject: string, entry: CachedAggregate<State>, commits: number): void {
    this.cache.delete(subject);
    this.cache.set(subject, entry);
    const limit = this.options.cacheSize ?? 10_000;
    if (this.cache.size > limit) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
      this.sinceSnapshot.delete(oldest);
    }
    const policy = this.options.snapshots;
    if (!policy || commits === 0) return;
    if (policy.ended?.(entry.state)) {
      this.sinceSnapshot.set(subject, 0);
      this.writeSnapshot(subject, () => policy.store.drop(this.store.identity, subject));
      return;
    }
    const since = (this.sinceSnapshot.get(subject) ?? 0) + commits;
    // A snapshot costs what it carries: an aggregate with many command ids is snapshotted less often, so writing its
    // snapshots (a microsecond or two per id) never costs more than reading the commits since would (tens per commit).
    if (since < Math.max(policy.every, entry.commandIds.size / SNAPSHOT_IDS_PER_COMMIT)) {
      this.sinceSnapshot.set(subject, since);
      return;
    }
    this.sinceSnapshot.set(subject, 0);
    // Ids are written into a map that newer entries share: only those up to this entry's commit belong to it.
    const commandIds = [...entry.commandIds].filter(([, seq]) => seq <= entry.version);
    const { format, store } = policy;
    const { version, state } = entry;
    this.writeSnapshot(subject, () =>
      store.save({ stream: this.store.identity, subject, format, version, state, commandIds }),
    );
  }

  /** Writes in the background, after the aggregate's snapshot write before it: a drop is never undone by a save. */
  private writeSnapshot(subject: string, write: () => Promise<void>): void {
    const policy = this.options.snapshots;
    const written = (this.snapshotWrites.get(subject) ?? Promise.resolve())
      .then(write)
      .catch((err) => policy?.onSaveError?.(err));
    this.snapshotWrites.set(subject, written);
    void written.then(() => {
      if (this.snapshotWrites.get(subject) === written) this.snapshotWrites.delete(subject);
    });
  }
}

export function asDomainEvent<Event extends DomainEvent>(recorded: RecordedEvent): Event {
  return { type: recorded.type, data: recorded.data } as Event;
}
