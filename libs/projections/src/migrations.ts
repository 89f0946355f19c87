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
 * Runs a service's migrations once even when several instances start together (an advisory lock serializes
 * them), creating its schema first since TypeORM keeps its migrations table there.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const schema = (dataSource.options as { schema?: string }).schema ?? 'public';
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('select pg_advisory_lock(hashtext($1))', [`flotilla-migrations:${schema}`]);
    await runner.query(`create schema if not exists ${quoteIdent(schema)}`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('select pg_advisory_unlock(hashtext($1))', [`flotilla-migrations:${schema}`]).catch(() => undefined);
    await runner.release();
  }
}
