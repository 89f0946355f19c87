import { DataSource } from 'typeorm';
import { Projection } from '../projection';

/**
 * A deliberately non-idempotent read model for tests: every `Counted` event adds one to a total, so applying an
 * event twice shows up as a wrong total, and it records each event's position under a primary key.
 */
export function tallyProjection(schema: string, filterSubject?: string): Projection {
  return {
    name: 'tally',
    schema,
    tables: ['tally_applied', 'tally_totals'],
    filterSubject,
    handlers: {
      Counted: async (event, { manager, table }) => {
        await manager.query(`insert into ${table('tally_applied')} (stream_seq, idx) values ($1, $2)`, [event.streamSeq, event.index]);
        await manager.query(
          `insert into ${table('tally_totals')} (id, total) values ($1, 1)
           on conflict (id) do update set total = ${table('tally_totals')}.total + 1`,
          [event.aggregateId],
        );
      },
    },
  };
}

export async function createTallySchema(dataSource: DataSource, schema: string): Promise<void> {
  await dataSource.query(`create schema if not exists "${schema}"`);
  await dataSource.query(`create table if not exists "${schema}".projection_checkpoints (
    name text primary key, last_seq bigint not null default 0, updated_at timestamptz not null default now())`);
  await dataSource.query(`create table if not exists "${schema}".tally_applied (stream_seq bigint, idx int, primary key (stream_seq, idx))`);
  await dataSource.query(`create table if not exists "${schema}".tally_totals (id text primary key, total int not null)`);
}

export function tallyDataSource(url: string): DataSource {
  return new DataSource({ type: 'postgres', url, poolSize: 4 });
}
