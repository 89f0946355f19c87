import { MigrationInterface, QueryRunner } from 'typeorm';
import { qualified, schemaOf } from '@flotilla/projections';

export class CreateUpdateReadModel1767225600300 implements MigrationInterface {
  name = 'CreateUpdateReadModel1767225600300';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = (name: string) => qualified(schemaOf(queryRunner), name);
    await queryRunner.query(`create table ${t('products')} (
      organization_id uuid not null, name text not null, created_at timestamptz not null, primary key (organization_id, name))`);
    await queryRunner.query(`create table ${t('firmwares')} (
      uuid text primary key, organization_id uuid not null, product text not null, version text not null, architecture text not null,
      platform text not null, artifact_url text not null, author text, description text, vcs_identifier text, misc text,
      created_at timestamptz not null)`);
    await queryRunner.query(`create index on ${t('firmwares')} (organization_id, product)`);
    await queryRunner.query(`create table ${t('deployments')} (
      id text primary key, organization_id uuid not null, product text not null, name text not null, firmware_uuid text not null,
      conditions jsonb not null, is_active boolean not null, quarantined boolean not null default false, quarantine_reason text,
      rules jsonb not null, created_at timestamptz not null, updated_at timestamptz not null)`);
    await queryRunner.query(`create index on ${t('deployments')} (organization_id, product)`);
    await queryRunner.query(`create table ${t('devices')} (
      organization_id uuid not null, identifier text not null, product text not null, tags jsonb not null,
      quarantined boolean not null default false, firmware_metadata jsonb, retired boolean not null default false,
      attempts integer not null default 0, created_at timestamptz not null, updated_at timestamptz not null,
      primary key (organization_id, identifier))`);
    await queryRunner.query(`create index on ${t('devices')} (organization_id, product)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of ['devices', 'deployments', 'firmwares', 'products'])
      await queryRunner.query(`drop table if exists ${qualified(schemaOf(queryRunner), name)}`);
  }
}
