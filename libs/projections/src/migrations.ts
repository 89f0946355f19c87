import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { qualified, quoteIdent } from './projection';

/** The Postgres schema a service's read models live in: its DataSource's `schema` option. */
export function schemaOf(queryRunner: QueryRunner): string {
  return (queryRunner.connection.options as { schema?: string }).schema ?? 'public';
}

export class CreateProjectionCheckpoints1767225600000 implements MigrationInterface {
  name = 'CreateProjectionCheckpoints1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table if not exists ${qualified(schemaOf(queryRunner), 'projection_checkpoints')} (
        name text primary key,
        last_seq bigint not null default 0,
        updated_at timestamptz not null default now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`drop table if exists ${qualified(schemaOf(queryRunner), 'projection_checkpoints')}`);
  }
}

/**
 * Checkpoints learn which stream they count in (a stream recreated under the same name starts its sequences again),
 * and commits a consumer could not apply are parked in a table of their own (platform.md §4a).
 */
export class AddConsumerRecords1767225600400 implements MigrationInterface {
  name = 'AddConsumerRecords1767225600400';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = (name: string) => qualified(schemaOf(queryRunner), name);
    await queryRunner.query(
      `alter table ${t('projection_checkpoints')} add column stream_name text, add column stream_created text`,
    );
    await queryRunner.query(`
      create table ${t('parked_commits')} (
        consumer text not null,
        stream text not null,
        stream_created text not null,
        stream_seq bigint not null,
        subject text not null,
        event_types text[] not null,
        error text not null,
        attempts integer not null,
        first_failed_at timestamptz not null,
        last_failed_at timestamptz not null,
        status text not null default 'parked',
        resolved_at timestamptz,
        resolved_by text,
        primary key (consumer, stream_seq)
      )`);
    await queryRunner.query(`create index on ${t('parked_commits')} (status)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = (name: string) => qualified(schemaOf(queryRunner), name);
    await queryRunner.query(`drop table if exists ${t('parked_commits')}`);
    await queryRunner.query(
      `alter table ${t('projection_checkpoints')} drop column stream_name, drop column stream_created`,
    );
  }
}

/** The migrations every service's schema starts with. */
export const consumerMigrations = [CreateProjectionCheckpoints1767225600000, AddConsumerRecords1767225600400];

/**
 * Runs a service's migrations once even when several instances start together (an advisory lock serializes
 * them), creating its schema first since TypeORM keeps its migrations table there.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const schema = (dataSource.options as { schema?: string }).schema ?? 'public';
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    // Another instance's migrations may take minutes (an index on a big table): waited for however long.
    await runner.query('set lock_timeout = 0');
    await runner.query('select pg_advisory_lock(hashtext($1))', [`flotilla-migrations:${schema}`]);
    await runner.query(`create schema if not exists ${quoteIdent(schema)}`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner
      .query('select pg_advisory_unlock(hashtext($1))', [`flotilla-migrations:${schema}`])
      .catch(() => undefined);
    await runner.query('reset lock_timeout').catch(() => undefined);
    await runner.release();
  }
}
