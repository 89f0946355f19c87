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

/** Keys can be revoked: a revoked key stays listed, with the time, and authenticates no one. */
export class AddApiKeyRevocation1767225600800 implements MigrationInterface {
  name = 'AddApiKeyRevocation1767225600800';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = (name: string) => qualified(schemaOf(queryRunner), name);
    await queryRunner.query(`alter table ${t('api_keys')} add column revoked_at timestamptz`);
    await queryRunner.query(`create index on ${t('api_keys')} (organization_id, created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`alter table ${qualified(schemaOf(queryRunner), 'api_keys')} drop column revoked_at`);
  }
}
