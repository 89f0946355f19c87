import { hash, randomUUID } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  DirectMsgHeaders,
  ErrorCode,
  headers as natsHeaders,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  NatsConnection,
  StoredMsg,
} from 'nats';
import type { DirectMsgRequest } from 'nats/lib/jetstream/jsapi_types';
import type { DirectStreamAPI } from 'nats/lib/jetstream/types';
import { deepFreeze } from '@flotilla/decider';
import { DomainEvent } from '@flotilla/events';
import { CommitEnvelope, commitFromEnvelope, decodeCommit, encodeCommit } from './commit-codec';
import { consumerStall } from './consumer-stall';
import { ConcurrencyError, DependencyError, IdempotencyMismatchError, InvalidAggregateIdError } from './errors';
import { Commit, EventMetadata } from './recorded-event';
import {
  ensureStream,
  eventStreamConfig,
  historyLosses,
  holdsLog,
  protectEvents,
  replicationCaveat,
} from './stream-config';
import { Upcaster, Upcasters } from './upcasting';

/** Failures of a request itself (no answer came), as nats.js codes them. */
const UNANSWERED = new Set<string>([
  ErrorCode.Timeout,
  ErrorCode.ConnectionClosed,
  ErrorCode.ConnectionDraining,
  ErrorCode.Disconnect,
]);

/** Lists a commit's event types, so a consumer can pass over commits it does not react to without decoding them. */
export const EVENT_TYPES_HEADER = 'Flotilla-Event-Types';

interface AppendedCommit {
  subject: string;
  body: Buffer;
  envelope: CommitEnvelope;
  /** As delivered: the envelope with the stream sequence it was stored at. */
  commit?: Commit;
}

/** What `appendedCommit` keeps: about a second of a busy service's commits, a few MB at the most. */
const KEPT_APPENDED_COMMITS = 2048;
const KEPT_APPENDED_BYTES = 8 * 1024 * 1024;

export interface EventStoreOptions {
  stream: string;
  /** Subjects are `<subjectPrefix>.<aggregateType>.<aggregateId>`. */
  subjectPrefix: string;
  /**
   * Every event type the stream holds, at its current version. Given, a commit holding a type it does not list is a
   * newer release's, refused when read (`NewerEventVersionError`), never passed over; not given, any type is read.
   */
  schemaVersions?: Record<string, number>;
  upcasters?: Upcaster[];
  /** Replicas of the stream when this store creates it (STREAM_REPLICAS; 3 on a cluster). */
  replicas?: number;
  /** JetStream's own window for repeated `Nats-Msg-Id`s (default 2 min); idempotency beyond it is the aggregate's. */
  duplicateWindowMs?: number;
  /** Told what an operator must know of the stream as opened (a server too old for its replicas). */
  warn?: (message: string) => void;
}

/** Which stream a position counts in: a stream recreated under the same name starts its sequences again. */
export interface StreamIdentity {
  name: string;
  /** The stream's creation time as the server reports it. */
  created: string;
}

export type ExpectedVersion = number | 'any';

export interface AppendOptions {
  /** Stream sequence of the aggregate's last commit; 0 = the aggregate must not exist yet. */
  expectedVersion: ExpectedVersion;
  metadata: Partial<EventMetadata> & { actor: string };
  /**
   * Recorded in the commit's metadata; a repeat within JetStream's duplicate window is answered with the first
   * commit. Idempotency beyond that window is the aggregate's: see AggregateRepository.
   */
  commandId?: string;
  /** Identifies the request behind the command id; a repeat with another fingerprint is refused. */
  fingerprint?: string;
  now?: Date;
  /**
   * Events of several commands in one commit (a group commit): who asked for each event, in their order. An event's
   * own metadata is recorded only where it differs from the commit's (`metadata`).
   */
  eventMetadata?: AppendOptions['metadata'][];
}

/** An aggregate's last commit as stored: where it stands, and the version it was appended at. */
export interface LastCommit {
  seq: number;
  /** 0 for an aggregate's first commit; null for one appended without optimistic concurrency. */
  appendedAt: number | null;
  message: StoredMsg;
}

export interface AppendResult {
  /** Frozen: the one its writer and this process's consumers are handed. */
  commit: Commit;
  duplicate: boolean;
}

export interface ReadRangeOptions {
  filterSubject?: string;
  fromSeq?: number;
  fromTime?: Date;
  /** Stop after this sequence (default: the stream's last sequence when reading starts). */
  untilSeq?: number;
  /** Called for a commit that cannot be decoded, which is then passed over; without it, reading stops with an error. */
  onUndecodable?: (streamSeq: number, subject: string, error: unknown) => void;
  /** Only these event types are wanted: a commit whose header lists none of them comes undecoded, with no events. */
  eventTypes?: readonly string[];
}

/** How many messages a range reader takes before it acknowledges them all at once. */
const ACK_EVERY = 500;
/** How long a range reader waits for its next message before it asks whether its consumer still serves it. */
const READ_IDLE_MS = 5_000;
const WRONG_LAST_SEQUENCE = /wrong last sequence: (\d+)/;
/** JetStream's optimistic concurrency header; the stored message keeps it. */
const EXPECTED_LAST_SUBJECT_SEQUENCE = 'Nats-Expected-Last-Subject-Sequence';

/**
 * Whether an id makes an aggregate's subject one literal subject, as read and written: tokens (dots between them, as a
 * plan's slug has) with no whitespace and no wildcard. A `*` or `>` in a read's filter would read many aggregates as
 * one.
 */
export function isAggregateId(id: string): boolean {
  return /^[^\s.*>]+(\.[^\s.*>]+)*$/.test(id);
}

/** The event log of one service over one JetStream stream (platform.md §2). */
export class EventStore {
  readonly upcasters: Upcasters;

  private known: StreamIdentity | null;
  /**
   * The commits this process appended last, by stream sequence, and those it is appending, by subject, each with its
   * bytes: its own consumers are delivered them moments later (at times before the append's acknowledgement), and a
   * message with the same subject and bytes is that commit, not to be parsed again.
   */
  private readonly appended = new Map<number, AppendedCommit>();
  private readonly appending = new Map<string, AppendedCommit>();
  private appendedBytes = 0;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly options: EventStoreOptions,
    identity: StreamIdentity | null,
    /**
     * The stream has one replica, so its direct get is answered by the one server that has every commit: the last
     * commit of a subject comes from there, without the JetStream API's JSON and base64 (half NATS's cost per read).
     * With replicas, a direct get may come from one that is behind, so the last commit is asked of the leader.
     */
    private readonly directLast = false,
  ) {
    this.upcasters = new Upcasters(options.schemaVersions, options.upcasters);
    this.known = identity;
  }

  /** Opens the store of the service that owns the stream, creating the stream when it does not exist. */
  static async open(nc: NatsConnection, options: EventStoreOptions): Promise<EventStore> {
    const jsm = await nc.jetstreamManager();
    const config = eventStreamConfig(
      options.stream,
      options.subjectPrefix,
      options.replicas,
      options.duplicateWindowMs,
    );
    const info = await ensureStream(jsm, config);
    // A stream made or edited by hand may drop history, and the log is the only copy: such a store never opens.
    // Edited later, it is found by `historyLosses()`, which the services' metrics ask at every scrape.
    const losses = historyLosses(info.config);
    if (losses.length)
      throw new Error(
        `stream ${info.config.name} would lose events: ${losses.join('; ')}. Change that ` +
          `(nats stream edit ${info.config.name}) and start again`,
      );
    if (!holdsLog(info.config.subjects ?? [], options.subjectPrefix))
      throw new Error(
        `stream ${info.config.name} holds ${(info.config.subjects ?? []).join(', ')}, not this service's ` +
          `${options.subjectPrefix}.>: its subject prefix (BATCH_SUBJECT_PREFIX, UPDATE_SUBJECT_PREFIX) is not the ` +
          'one the stream was made for',
      );
    const protectedNow = await protectEvents(jsm, info);
    if (protectedNow.length)
      options.warn?.(
        `stream ${info.config.name} let its events be deleted or purged (${protectedNow.join(' and ')} off, as on a ` +
          'stream made by hand): turned on, since the log is the only copy of them',
      );
    const caveat = replicationCaveat(info.config.name, info.config.num_replicas, nc.info?.version);
    if (caveat) options.warn?.(caveat);
    const identity = { name: info.config.name, created: info.created };
    return new EventStore(nc, nc.jetstream(), jsm, options, identity, info.config.num_replicas === 1);
  }

  /**
   * A reader of another service's stream: it never creates the stream, and does not need it to exist yet (its
   * consumers wait for it); only the owner may create it, and with its own settings.
   */
  static async reader(nc: NatsConnection, options: EventStoreOptions): Promise<EventStore> {
    return new EventStore(nc, nc.jetstream(), await nc.jetstreamManager(), options, null);
  }

  /** The stream's identity as last seen (use `currentIdentity()` to look again). */
  get identity(): StreamIdentity {
    if (!this.known) throw new Error(`the identity of stream ${this.stream} is not known yet`);
    return this.known;
  }

  /** Looks the stream up again: it may have been created, or recreated, since. */
  async currentIdentity(): Promise<StreamIdentity> {
    const info = await this.jsm.streams.info(this.stream);
    this.known = { name: info.config.name, created: info.created };
    return this.known;
  }

  get stream(): string {
    return this.options.stream;
  }

  /** What in the stream's settings as they are now would remove events it holds (`historyLosses`); empty if nothing. */
  async historyLosses(): Promise<string[]> {
    return historyLosses((await this.jsm.streams.info(this.stream)).config);
  }

  /** The aggregate's subject; an id that would not make it one literal subject is refused (`isAggregateId`). */
  subjectFor(aggregateType: string, aggregateId: string): string {
    if (!isAggregateId(aggregateId)) throw new InvalidAggregateIdError(aggregateId);
    return `${this.options.subjectPrefix}.${aggregateType}.${aggregateId}`;
  }

  /** Appends one command's events as one atomic commit. */
  async append(subject: string, events: DomainEvent[], options: AppendOptions): Promise<AppendResult> {
    const { commandId, fingerprint = null } = options;
    // One command's metadata is completed once, so its events (and the commit) share a correlation id made up here.
    const completed = new Map<AppendOptions['metadata'], EventMetadata>();
    const metadataOf = (given: AppendOptions['metadata']): EventMetadata => {
      let full = completed.get(given);
      if (!full) {
        full = {
          actor: given.actor,
          correlationId: given.correlationId ?? commandId ?? randomUUID(),
          causationId: given.causationId ?? null,
          commandId: commandId ?? null,
        };
        completed.set(given, full);
      }
      return full;
    };
    const metadata = metadataOf(options.metadata);
    const { body, envelope } = encodeCommit(
      events,
      metadata,
      options.now ?? new Date(),
      fingerprint,
      this.upcasters,
      options.eventMetadata?.map(metadataOf),
    );
    const appending = { subject, body, envelope };
    this.appending.set(subject, appending);
    const headers = natsHeaders();
    headers.set(EVENT_TYPES_HEADER, events.map((e) => e.type).join(','));
    let ack;
    try {
      ack = await this.js.publish(subject, body, {
        headers,
        msgID: commandId ? hash('sha256', commandId, 'base64url') : undefined,
        expect: options.expectedVersion === 'any' ? undefined : { lastSubjectSequence: options.expectedVersion },
      });
    } catch (err) {
      const match = WRONG_LAST_SEQUENCE.exec(String((err as Error).message));
      if (match && options.expectedVersion !== 'any') {
        throw new ConcurrencyError(subject, options.expectedVersion, Number(match[1]));
      }
      throw err;
    } finally {
      if (this.appending.get(subject) === appending) this.appending.delete(subject);
    }
    if (ack.duplicate) {
      const prior = await this.readCommit(ack.seq);
      if (prior.fingerprint !== fingerprint) throw new IdempotencyMismatchError(commandId as string);
      return { commit: prior, duplicate: true };
    }
    this.keepAppended(ack.seq, appending);
    return { commit: this.committed(appending, ack.seq), duplicate: false };
  }

  /** The commit as the log holds it at `seq`, made from its envelope once for its writer and its readers: frozen. */
  private committed(kept: AppendedCommit, seq: number): Commit {
    if (kept.commit?.streamSeq !== seq)
      kept.commit = deepFreeze(commitFromEnvelope(kept.envelope, kept.subject, seq, this.upcasters));
    return kept.commit;
  }

  private keepAppended(seq: number, appended: AppendedCommit): void {
    this.appended.set(seq, appended);
    this.appendedBytes += appended.body.length;
    while (this.appended.size > KEPT_APPENDED_COMMITS || this.appendedBytes > KEPT_APPENDED_BYTES) {
      const [oldest, kept] = this.appended.entries().next().value as [number, AppendedCommit];
      this.appended.delete(oldest);
      this.appendedBytes -= kept.body.length;
    }
  }

  /**
   * The commit a delivered message holds when this process appended it a moment ago (frozen: it is shared); null
   * otherwise, and for one its own schema cannot read, which is then decoded, and refused, as any message is.
   */
  appendedCommit(message: JsMsg): Commit | null {
    const kept = this.appended.get(message.seq) ?? this.appending.get(message.subject);
    if (!kept || kept.subject !== message.subject || !kept.body.equals(message.data)) return null;
    try {
      return this.committed(kept, message.seq);
    } catch {
      return null;
    }
  }

  async readCommit(streamSeq: number): Promise<Commit> {
    const message = await this.jsm.streams.getMessage(this.stream, { seq: streamSeq });
    return decodeCommit(message.data, message.subject, message.seq, this.upcasters);
  }

  /** The subject's last commit as stored, null if it has none. */
  async lastCommitOf(subject: string): Promise<LastCommit | null> {
    const message = await this.lastMessageOf(subject);
    if (!message) return null;
    const appendedAt = message.header?.get(EXPECTED_LAST_SUBJECT_SEQUENCE);
    return { seq: message.seq, appendedAt: appendedAt ? Number(appendedAt) : null, message };
  }

  /**
   * A direct get (`allow_direct` streams), or null when the stream itself did not answer it: a mirror with
   * `mirror_direct` answers the stream's direct gets too, from behind or without the subject, and a replica may be
   * behind. A request that went unanswered is the caller's failure, not a reason to ask again and wait as long a
   * second time. The manager has direct gets; its declared interface does not.
   */
  private async directGet(query: DirectMsgRequest): Promise<StoredMsg | null> {
    const direct = (this.jsm as JetStreamManager & { direct: DirectStreamAPI }).direct;
    const message = await direct.getMessage(this.stream, query).catch((err: { code?: string }) => {
      if (UNANSWERED.has(err?.code ?? '')) throw err;
      return null;
    });
    return message?.header.get(DirectMsgHeaders.Stream) === this.stream ? message : null;
  }

  private async lastMessageOf(subject: string): Promise<StoredMsg | null> {
    // Anything but the stream's own answer ("not found" included) is asked of the stream's leader.
    const direct = this.directLast ? await this.directGet({ last_by_subj: subject }) : null;
    if (direct) return direct;
    try {
      return await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
    } catch (err) {
      if (/no message found|not found/i.test(String((err as Error).message))) return null;
      throw err;
    }
  }

  async lastSequence(): Promise<number> {
    const info = await this.jsm.streams.info(this.stream);
    return info.state.last_seq;
  }

  /** The sequence of the stream's last commit on `filterSubject` (wildcards too), 0 when it has none. */
  async lastSequenceOn(filterSubject: string): Promise<number> {
    return (await this.lastMessageOf(filterSubject))?.seq ?? 0;
  }

  /**
   * The commits of one aggregate after `afterSeq`, in order, as a list: see `aggregateCommits`, which hands them on as
   * they are read.
   */
  async readAggregate(
    subject: string,
    afterSeq = 0,
    known?: LastCommit | null,
  ): Promise<{ commits: Commit[]; version: number }> {
    const { commits, version } = await this.aggregateCommits(subject, afterSeq, known);
    const read: Commit[] = [];
    for await (const commit of commits) read.push(commit);
    return { commits: read, version };
  }

  /**
   * The commits of one aggregate after `afterSeq`, in order, up to `version`, its last commit. Costs what the aggregate
   * holds, not the stream: a few commits are fetched one by one by subject (a round trip each), a long history through
   * one ordered read, handed on as it arrives, so that a reader folding them holds one commit at a time, never a whole
   * history (about 600 bytes a commit decoded; a busy plan's capacity has millions). `known`: its last commit (or null:
   * none) as just read by `lastCommitOf`, not to be asked for again.
   */
  async aggregateCommits(
    subject: string,
    afterSeq = 0,
    known?: LastCommit | null,
  ): Promise<{ commits: Commit[] | AsyncIterable<Commit>; version: number }> {
    const last = known === undefined ? await this.lastCommitOf(subject) : known;
    if (!last || last.seq <= afterSeq) return { commits: [], version: Math.max(last?.seq ?? 0, afterSeq) };
    // The last commit keeps the version it was appended at, which JetStream checked: when that is where the caller
    // stands (a new aggregate, or a cache one commit behind), the last commit is the only one to read.
    if (last.appendedAt !== null && last.appendedAt <= afterSeq)
      return { commits: [decodeCommit(last.message.data, subject, last.seq, this.upcasters)], version: last.seq };
    return { commits: this.commitsUpTo(subject, afterSeq + 1, last), version: last.seq };
  }

  private async *commitsUpTo(subject: string, fromSeq: number, last: LastCommit): AsyncGenerator<Commit> {
    let from = fromSeq;
    for (let fetched = 0; fetched < 16; fetched++) {
      // A direct get may be answered by a replica that is behind: then the ordered read below takes over.
      const message = from === last.seq ? last.message : await this.directGet({ seq: from, next_by_subj: subject });
      if (!message || message.seq > last.seq) break;
      yield decodeCommit(message.data, message.subject, message.seq, this.upcasters);
      if (message.seq === last.seq) return;
      from = message.seq + 1;
    }
    yield* this.readRange({ filterSubject: subject, fromSeq: from, untilSeq: last.seq });
  }

  /**
   * Reads commits in stream order from a sequence or a time, up to `untilSeq` (default: the end when reading
   * starts); see `readMessages`.
   */
  async *readRange(options: ReadRangeOptions = {}): AsyncGenerator<Commit> {
    for await (const message of this.readMessages(options)) {
      let commit = unlistedCommit(message, options.eventTypes, (type) => this.upcasters.knows(type));
      try {
        commit ??= this.decode(message);
      } catch (err) {
        if (!options.onUndecodable)
          throw new Error(`commit ${message.seq} on ${message.subject} cannot be decoded: ${(err as Error).message}`);
        options.onUndecodable(message.seq, message.subject, err);
      }
      if (commit) yield commit;
    }
  }

  /**
   * The stored messages of a range, undecoded, through ephemeral pull consumers whose unacknowledged messages bound
   * what the client buffers; one acknowledgement covers all before it, so it is sent once per `ACK_EVERY` messages,
   * not for each. A consumer is held in memory by one server: when it is lost, starts over or falls silent (its
   * server restarting, in a cluster), reading goes on from the next message through a new one, so a read never hangs
   * and never yields a message twice; one that still makes no progress fails as a dependency's failure.
   */
  async *readMessages(options: Omit<ReadRangeOptions, 'onUndecodable' | 'eventTypes'> = {}): AsyncGenerator<JsMsg> {
    const untilSeq = options.untilSeq ?? (await this.lastSequence());
    let next = options.fromSeq ?? 1;
    let fromTime = options.fromTime;
    if (untilSeq === 0 || next > untilSeq) return;
    let fruitless = 0;
    for (;;) {
      const info = await this.jsm.consumers.add(this.stream, {
        ack_policy: AckPolicy.All,
        filter_subject: options.filterSubject,
        inactive_threshold: 30_000_000_000,
        max_ack_pending: 4 * ACK_EVERY,
        mem_storage: true,
        ...(fromTime
          ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: fromTime.toISOString() }
          : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next }),
      });
      if (info.num_pending === 0) {
        await this.jsm.consumers.delete(this.stream, info.name).catch(() => undefined);
        return;
      }
      const messages = await (
        await this.js.consumers.get(this.stream, info.name)
      ).consume({ max_messages: 1_000, abort_on_missing_resource: true });
      // One timer per read rather than one per message: the reader's hot loop stays as it was.
      let waitingSince: number | null = performance.now();
      let delivered = 0;
      let asking = false;
      const watch = setInterval(() => {
        if (asking || waitingSince === null || performance.now() - waitingSince < READ_IDLE_MS) return;
        asking = true;
        void consumerStall(this.jsm, this.stream, info.name, delivered).then((stall) => {
          asking = false;
          if (stall) messages.stop();
          else if (waitingSince !== null) waitingSince = performance.now();
        });
      }, READ_IDLE_MS / 5);
      let progressed = false;
      try {
        for await (const message of messages) {
          waitingSince = null;
          // Delivering again what it already did (started over, or redelivering): read on through a new consumer.
          if (message.info.deliverySequence !== ++delivered) break;
          if (delivered % ACK_EVERY === 0) message.ack();
          if (message.seq > untilSeq) return;
          next = message.seq + 1;
          fromTime = undefined;
          progressed = true;
          yield message;
          if (message.seq >= untilSeq || message.info.pending === 0) return;
          waitingSince = performance.now();
        }
      } catch {
        // The consumer is lost (`abort_on_missing_resource`): read on through a new one.
      } finally {
        clearInterval(watch);
        messages.stop();
        await this.jsm.consumers.delete(this.stream, info.name).catch(() => undefined);
      }
      fruitless = progressed ? 0 : fruitless + 1;
      if (fruitless === 3)
        throw new DependencyError(
          `reading ${this.stream} from ${next}: ${fruitless} consumers in a row delivered nothing`,
        );
    }
  }

  decode(message: JsMsg): Commit {
    return this.appendedCommit(message) ?? decodeCommit(message.data, message.subject, message.seq, this.upcasters);
  }
}

/** The event types a message's `Flotilla-Event-Types` header lists; null when it has none (written before it). */
export function listedEventTypes(message: JsMsg): string[] | null {
  const listed = message.headers?.get(EVENT_TYPES_HEADER);
  return listed ? listed.split(',') : null;
}

/**
 * A commit whose `Flotilla-Event-Types` header lists none of `eventTypes`, as one with no events: a reader that wants
 * none of them passes it over without decoding it, and its position still moves past it. Null when it must be decoded,
 * which is also when it lists a type the reader does not know (`knows`): a newer release's, never passed over unread.
 */
export function unlistedCommit(
  message: JsMsg,
  eventTypes: readonly string[] | undefined,
  knows: (type: string) => boolean,
  listed = listedEventTypes(message),
): Commit | null {
  if (!eventTypes || !listed || listed.some((type) => eventTypes.includes(type) || !knows(type))) return null;
  const metadata = { actor: '', correlationId: '', causationId: null, commandId: null };
  return { streamSeq: message.seq, subject: message.subject, time: '', metadata, fingerprint: null, events: [] };
}
