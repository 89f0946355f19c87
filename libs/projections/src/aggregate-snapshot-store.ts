import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { AggregateSnapshot, AggregateSnapshotStore, StreamIdentity } from '@flotilla/event-store';
import { schemaOf } from './migrations';
import { qualified } from './projection';

/**
 * Aggregate snapshots in a service's schema (`aggregate_snapshots`), any instance's readable by every other: the
 * newest per aggregate and state format; one taken on an earlier incarnation of the stream is replaced.
 */
export class PostgresAggregateSnapshots implements AggregateSnapshotStore {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = qualified(schema, 'aggregate_snapshots');
  }

  async newest(stream: StreamIdentity, subject: string, format: number): Promise<AggregateSnapshot | null> {
    const [row]: { version: string; data: string }[] = await this.dataSource.query(
      `select version, data from ${this.table}
       where stream = $1 and stream_created = $2 and subject = $3 and format = $4`,
      [stream.name, stream.created, subject, format],
    );
    if (!row) return null;
    let data: Partial<Pick<AggregateSnapshot, 'state' | 'commandIds'>>;
    try {
      data = JSON.parse(row.data);
    } catch {
      return null; // one that cannot be read is as good as none: the log has it all
    }
    if (data.state === undefined || !Array.isArray(data.commandIds)) return null;
    return { stream, subject, format, version: Number(row.version), state: data.state, commandIds: data.commandIds };
  }

  async save({ stream, subject, format, version, state, commandIds }: AggregateSnapshot): Promise<void> {
    // Instances snapshot the same aggregate: a snapshot replaces one that is older, or of another stream incarnation.
    // Those of older formats go with it: no release that reads them writes this one (a newer format is left alone,
    // as an older release beside a newer one during an upgrade would otherwise drop what the newer one reads).
    await this.dataSource.query(
      `with older_formats as (delete from ${this.table} where stream = $1 and subject = $2 and format < $3)
       insert into ${this.table} as s (stream, subject, format, stream_created, version, data, taken_at)
       values ($1, $2, $3, $4, $5, $6, now())
       on conflict (stream, subject, format) do update
         set stream_created = excluded.stream_created, version = excluded.version, data = excluded.data,
           taken_at = excluded.taken_at
         where s.stream_created <> excluded.stream_created or s.version < excluded.version`,
      [stream.name, subject, format, stream.created, version, JSON.stringify({ state, commandIds })],
    );
  }

  async drop(stream: StreamIdentity, subject: string): Promise<void> {
    await this.dataSource.query(`delete from ${this.table} where stream = $1 and subject = $2`, [stream.name, subject]);
  }
}

export class CreateAggregateSnapshots1767225600700 implements MigrationInterface {
  name = 'CreateAggregateSnapshots1767225600700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`create table ${qualified(schemaOf(queryRunner), 'aggregate_snapshots')} (
      stream text not null, subject text not null, format integer not null, stream_created text not null,
      version bigint not null, data text not null, taken_at timestamptz not null,
      primary key (stream, subject, format))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`drop table if exists ${qualified(schemaOf(queryRunner), 'aggregate_snapshots')}`);
  }
}
