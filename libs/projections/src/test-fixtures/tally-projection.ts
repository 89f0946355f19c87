import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { consumerMigrations, runMigrations, schemaOf } from '../migrations';
import { DomainEvent } from '@flotilla/events';
import { CreateAggregateSnapshots1767225600700 } from '../aggregate-snapshot-store';
import { changesetOf } from '../changeset';
import { defineProjection, Projection, qualified } from '../projection';

type Counted = DomainEvent<'Counted', { poison?: boolean }>;

/**
 * A deliberately non-idempotent read model for tests: every `Counted` event adds one to a total, so applying an
 * event twice shows up as a wrong total, and it records each event's position under a primary key. An event with
 * `poison: true` cannot be applied until `cured()` says so. Written by a handler per event, or, with `changeset`,
 * gathered per batch and written set-based by a changeset.
 */
export function tallyProjection(
  schema: string,
  filterSubject?: string,
  cured: () => boolean = () => false,
  writing: 'handlers' | 'changeset' = 'handlers',
): Projection {
  const checkCured = (event: { data: { poison?: boolean } }) => {
    if (event.data.poison && !cured()) throw new TypeError('a poisoned tally');
  };
  return defineProjection<Counted>({
    name: 'tally',
    schema,
    tables: ['tally_applied', 'tally_totals'],
    filterSubject,
    handlers:
      writing === 'changeset'
        ? {}
        : {
            Counted: async (event, { manager, table }) => {
              checkCured(event);
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
    ...(writing === 'changeset'
      ? {
          changeset: changesetOf<Counted, { applied: [number, number][]; totals: Map<string, number> }>(
            () => ({ applied: [], totals: new Map() }),
            {
              Counted: (event, changes) => {
                checkCured(event);
                changes.applied.push([event.streamSeq, event.index]);
                changes.totals.set(event.aggregateId, (changes.totals.get(event.aggregateId) ?? 0) + 1);
              },
            },
            ({ applied, totals }, table) =>
              applied.length
                ? [
                    {
                      text: `insert into ${table('tally_applied')} (stream_seq, idx)
                             select * from unnest($1::bigint[], $2::int[])`,
                      values: [applied.map(([seq]) => seq), applied.map(([, index]) => index)],
                    },
                    {
                      text: `insert into ${table('tally_totals')} as t (id, total)
                             select * from unnest($1::text[], $2::int[])
                             on conflict (id) do update set total = t.total + excluded.total`,
                      values: [[...totals.keys()], [...totals.values()]],
                    },
                  ]
                : [],
          ),
        }
      : {}),
  });
}

class CreateTallyTables1767225600900 implements MigrationInterface {
  name = 'CreateTallyTables1767225600900';
  async up(queryRunner: QueryRunner): Promise<void> {
    const t = (name: string) => qualified(schemaOf(queryRunner), name);
    await queryRunner.query(
      `create table ${t('tally_applied')} (stream_seq bigint, idx int, primary key (stream_seq, idx))`,
    );
    // Room for updates in place, as the update read model's devices have: a rebuild keeps it.
    await queryRunner.query(
      `create table ${t('tally_totals')} (id text primary key, total int not null) with (fillfactor = 70)`,
    );
  }
  async down(): Promise<void> {
    // test tables go with the test database
  }
}

/** The tally schema's migrations, as a service's schema has them (checkpoints, parked, snapshots, the tables). */
export const tallyMigrations = [
  ...consumerMigrations,
  CreateAggregateSnapshots1767225600700,
  CreateTallyTables1767225600900,
];

/** A test database's tally schema, migrated as a service's schema is. */
export function tallyDataSource(url: string, schema: string): DataSource {
  return new DataSource({ type: 'postgres', url, schema, poolSize: 4, migrations: tallyMigrations });
}

export async function createTallySchema(dataSource: DataSource): Promise<void> {
  await runMigrations(dataSource);
}
