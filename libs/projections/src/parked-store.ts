import { DataSource, EntityManager } from 'typeorm';
import { ParkedCommit, ParkedStatus, ParkedStore, StreamIdentity } from '@flotilla/event-store';
import { qualified } from './projection';

type Queryable = Pick<EntityManager, 'query'>;

/** A parked commit as operators list it. */
export interface ParkedRow extends ParkedCommit {
  status: ParkedStatus;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

/** Parked commits of one service, in a table of its schema (`parked_commits`). */
export class PostgresParkedStore implements ParkedStore {
  readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = qualified(schema, 'parked_commits');
  }

  park(commit: ParkedCommit): Promise<void> {
    return this.parkIn(this.dataSource, commit);
  }

  /** Parks in a given transaction (a projection parks and moves its checkpoint in one). */
  async parkIn(manager: Queryable, c: ParkedCommit): Promise<void> {
    await manager.query(
      `insert into ${this.table}
         (consumer, stream, stream_created, stream_seq, subject, event_types, error, attempts, first_failed_at,
           last_failed_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       on conflict (consumer, stream_seq) do update set
         error = excluded.error, attempts = ${this.table}.attempts + excluded.attempts, last_failed_at =
           excluded.last_failed_at,
         status = case when ${this.table}.status = 'skipped' then 'skipped' else 'parked' end`,
      [
        c.consumer,
        c.stream,
        c.streamCreated,
        c.streamSeq,
        c.subject,
        c.eventTypes,
        c.error,
        c.attempts,
        c.firstFailedAt,
        c.lastFailedAt,
      ],
    );
  }

  async statusOf(
    consumer: string,
    streamSeq: number,
    manager: Queryable = this.dataSource,
    lock = false,
  ): Promise<ParkedStatus | null> {
    const rows = await manager.query(
      `select status from ${this.table} where consumer = $1 and stream_seq = $2${lock ? ' for update' : ''}`,
      [consumer, streamSeq],
    );
    return rows.length ? rows[0].status : null;
  }

  async retryRequests(
    consumer: string,
    watched: readonly number[],
  ): Promise<{ streamSeq: number; status: ParkedStatus }[]> {
    const rows = await this.dataSource.query(
      `select stream_seq, status from ${this.table}
       where consumer = $1 and (status = 'retry' or (status = 'retried' and stream_seq = any($2::bigint[])))
       order by stream_seq`,
      [consumer, watched],
    );
    return rows.map((r: { stream_seq: string; status: ParkedStatus }) => ({
      streamSeq: Number(r.stream_seq),
      status: r.status,
    }));
  }

  async markRetried(consumer: string, streamSeq: number, manager: Queryable = this.dataSource): Promise<boolean> {
    const [, affected] = await manager.query(
      `update ${this.table} set status = 'retried', resolved_at = now()
         where consumer = $1 and stream_seq = $2 and status = 'retry'`,
      [consumer, streamSeq],
    );
    return affected > 0;
  }

  async retryFailed(consumer: string, streamSeq: number, error: string): Promise<void> {
    await this.dataSource.query(
      `update ${this.table} set status = 'parked', error = $3, attempts = attempts + 1, last_failed_at = now()
       where consumer = $1 and stream_seq = $2 and status = 'retry'`,
      [consumer, streamSeq, error],
    );
  }

  async count(consumer: string): Promise<number> {
    const rows = await this.dataSource.query(
      `select count(*)::int as n from ${this.table} where consumer = $1 and status = 'parked'`,
      [consumer],
    );
    return rows[0].n;
  }

  /** Every parked commit (and what became of it), newest first. */
  async list(options: { consumer?: string; all?: boolean } = {}): Promise<ParkedRow[]> {
    const rows = await this.dataSource.query(
      `select * from ${this.table}
       where ($1::text is null or consumer = $1) and ($2 or status in ('parked', 'retry'))
       order by last_failed_at desc`,
      [options.consumer ?? null, options.all ?? false],
    );
    return rows.map((r: Record<string, unknown>) => ({
      consumer: r.consumer,
      stream: r.stream,
      streamCreated: r.stream_created,
      streamSeq: Number(r.stream_seq),
      subject: r.subject,
      eventTypes: r.event_types,
      error: r.error,
      attempts: r.attempts,
      firstFailedAt: r.first_failed_at,
      lastFailedAt: r.last_failed_at,
      status: r.status,
      resolvedAt: r.resolved_at,
      resolvedBy: r.resolved_by,
    }));
  }

  /**
   * An operator's decision: `retry` (the consumer's service applies it within seconds) or `skip` (left out for good).
   */
  async decide(consumer: string, streamSeq: number, decision: 'retry' | 'skip', by: string): Promise<boolean> {
    const [, affected] = await this.dataSource.query(
      `update ${this.table} set status = $3, resolved_by = $4, resolved_at = case when $3 = 'skipped' then now() else
         null end
       where consumer = $1 and stream_seq = $2 and status in ('parked', 'retry')`,
      [consumer, streamSeq, decision === 'retry' ? 'retry' : 'skipped', by],
    );
    return affected > 0;
  }

  /** Commits of this stream the consumer has passed over: parked and waiting, or skipped for good. */
  async passedOver(
    consumer: string,
    stream: StreamIdentity,
    manager: Queryable = this.dataSource,
  ): Promise<Set<number>> {
    const rows = await manager.query(
      `select stream_seq from ${this.table}
         where consumer = $1 and stream_created = $2 and status in ('parked', 'retry', 'skipped')`,
      [consumer, stream.created],
    );
    return new Set(rows.map((r: { stream_seq: string }) => Number(r.stream_seq)));
  }

  /** Forgets what a consumer parked in another incarnation of its stream (a rebuild from a recreated stream). */
  async forgetOtherStreams(manager: Queryable, consumer: string, streamCreated: string): Promise<void> {
    await manager.query(`delete from ${this.table} where consumer = $1 and stream_created <> $2`, [
      consumer,
      streamCreated,
    ]);
  }
}
