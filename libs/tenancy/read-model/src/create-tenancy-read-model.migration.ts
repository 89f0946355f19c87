import { MigrationInterface, QueryRunner } from 'typeorm';
import { qualified, schemaOf } from '@flotilla/projections';

export class CreateTenancyReadModel1767225600100 implements MigrationInterface {
  name = 'CreateTenancyReadModel1767225600100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = (name: string) => qualified(schemaOf(queryRunner), name);
    await queryRunner.query(
      `create table ${t('organizations')} (id uuid primary key, name text not null, created_at timestamptz not null)`,
    );
    await queryRunner.query(`create table ${t('projects')} (
      id uuid primary key, organization_id uuid not null, name text not null, created_at timestamptz not null)`);
    await queryRunner.query(`create index on ${t('projects')} (organization_id)`);
    await queryRunner.query(`create table ${t('api_keys')} (
      id uuid primary key, organization_id uuid not null, token_hash text not null unique, description text,
      created_at timestamptz not null)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of ['api_keys', 'projects', 'organizations']) {
      await queryRunner.query(`drop table if exists ${qualified(schemaOf(queryRunner), name)}`);
    }
  }
}
