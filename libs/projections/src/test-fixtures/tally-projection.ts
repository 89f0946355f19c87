import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { consumerMigrations, runMigrations, schemaOf } from '../migrations';
import { DomainEvent } from '@flotilla/events';
import { defineProjection, Projection, qualified } from '../projection';

type Counted = DomainEvent<'Counted', { poison?: boolean }>;

/**
 * A deliberately non-idempotent read model for tests: every `Counted` event adds one to a total, so applying an
 * event twice shows up as a wrong total, and it records each event's position under a primary key. An event with
 * `poison: true` cannot be applied until `cured()` says so.
 */
export function tallyProjection(
  schema: string,
  filterSubject?: string,
  cured: () => boolean = () => false,
): Projection {
  return defineProjection<Counted>({
    name: 'tally',
    schema,
    tables: ['tally_applied', 'tally_totals'],
    filterSubject,
    handlers: {
      Counted: async (event, { manager, table }) => {
        if (event.data.poison && !cured()) throw new TypeError('a poisoned tally');
        await manager.query(`insert into ${table('tally_applied')} (stream_seq, idx) values ($1, $2)`, [
          event.streamSeq,
          event.index,
        ]);
        await manager.query(
          `insert into ${table('tally_totals')} (id, total) values ($1, 1)
           on conflict (id) do update set total = ${table('tally_totals')}.total + 1`,
          [event.aggregateId],
        );
      },
    },
  });
}

class CreateTallyTables1767225600900 implements MigrationInterface {
  name = 'CreateTallyTables1767225600900';
  async up(queryRunner: QueryRunner): Promise<void> {
    const t = (name: string) => qualified(schemaOf(queryRunner), name);
    await queryRunner.query(
      `create table ${t('tally_applied')} (stream_seq bigint, idx int, primary key (stream_seq, idx))`,
    );
    await queryRunner.query(`create table ${t('tally_totals')} (id text primary key, total int not null)`);
  }
  async down(): Promise<void> {
    // test tables go with the test database
  }
}

/** A test database's tally schema, migrated as a service's schema is (checkpoints, parked commits, the tables). */
export function tallyDataSource(url: string, schema: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    schema,
    poolSize: 4,
    migrations: [...consumerMigrations, CreateTallyTables1767225600900],
  });
}

export async function createTallySchema(dataSource: DataSource): Promise<void> {
  await runMigrations(dataSource);
}
