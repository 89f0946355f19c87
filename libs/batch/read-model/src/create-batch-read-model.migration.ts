import { MigrationInterface, QueryRunner } from 'typeorm';
import { qualified, schemaOf } from '@flotilla/projections';

export class CreateBatchReadModel1767225600200 implements MigrationInterface {
  name = 'CreateBatchReadModel1767225600200';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = (name: string) => qualified(schemaOf(queryRunner), name);
    await queryRunner.query(`create table ${t('facilities')} (code text primary key, name text not null)`);
    await queryRunner.query(
      `create table ${t('plans')} (slug text primary key, name text not null, architecture text not null)`,
    );
    await queryRunner.query(
      `create table ${t('operating_systems')} (slug text primary key, name text not null, provisionable_on jsonb not null)`,
    );
    await queryRunner.query(`create table ${t('spot_prices')} (
      facility text not null, plan text not null, price double precision not null, primary key (facility, plan))`);
    await queryRunner.query(`create table ${t('capacity')} (
      facility text not null, plan text not null, total integer not null default 0, held integer not null default 0,
      reserved integer not null default 0, primary key (facility, plan))`);
    await queryRunner.query(`create table ${t('batches')} (
      id uuid primary key, project_id uuid not null, organization_id uuid not null, state text not null,
      quantity integer not null, plan text not null, error_messages jsonb not null default '[]',
      facility_allocations jsonb, device_ids jsonb not null default '[]',
      created_at timestamptz not null, updated_at timestamptz not null)`);
    await queryRunner.query(`create index on ${t('batches')} (project_id, created_at)`);
    await queryRunner.query(`create table ${t('devices')} (
      id uuid primary key, batch_id uuid not null, project_id uuid not null, organization_id uuid not null,
      position integer not null, hostname text not null, state text not null, plan text not null, facility text not null,
      operating_system text not null, billing_cycle text not null, tags jsonb not null, spot_instance boolean not null,
      spot_price_max double precision, spot_price double precision, attributes jsonb not null, error text,
      created_at timestamptz not null, updated_at timestamptz not null)`);
    await queryRunner.query(`create index on ${t('devices')} (project_id, created_at)`);
    await queryRunner.query(`create index on ${t('devices')} (batch_id, position)`);
    await queryRunner.query(
      `create table ${t('device_quarantine')} (device_id uuid primary key, quarantined boolean not null, updated_at timestamptz not null)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of [
      'device_quarantine',
      'devices',
      'batches',
      'capacity',
      'spot_prices',
      'operating_systems',
      'plans',
      'facilities',
    ]) {
      await queryRunner.query(`drop table if exists ${qualified(schemaOf(queryRunner), name)}`);
    }
  }
}

/**
 * Quarantine flags keyed by organization and the resolver's device identifier (text), not by a batch device's uuid:
 * devices registered through the admin API have identifiers of their own. The projection replays the flags.
 */
export class KeyQuarantineByIdentifier1767225600500 implements MigrationInterface {
  name = 'KeyQuarantineByIdentifier1767225600500';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = (name: string) => qualified(schemaOf(queryRunner), name);
    await queryRunner.query(`drop table ${t('device_quarantine')}`);
    await queryRunner.query(`create table ${t('device_quarantine')} (
      organization_id text not null, identifier text not null, quarantined boolean not null, updated_at timestamptz not null,
      primary key (organization_id, identifier))`);
    await queryRunner.query(`delete from ${t('projection_checkpoints')} where name = 'device_quarantine'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = (name: string) => qualified(schemaOf(queryRunner), name);
    await queryRunner.query(`drop table ${t('device_quarantine')}`);
    await queryRunner.query(
      `create table ${t('device_quarantine')} (device_id uuid primary key, quarantined boolean not null, updated_at timestamptz not null)`,
    );
    await queryRunner.query(`delete from ${t('projection_checkpoints')} where name = 'device_quarantine'`);
  }
}

/** Metros (Metal's `Metro`), and each facility's metro; facilities from before metros have none. */
export class AddMetros1767225600600 implements MigrationInterface {
  name = 'AddMetros1767225600600';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = (name: string) => qualified(schemaOf(queryRunner), name);
    await queryRunner.query(
      `create table ${t('metros')} (code text primary key, name text not null, country text not null)`,
    );
    await queryRunner.query(`alter table ${t('facilities')} add column metro text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const t = (name: string) => qualified(schemaOf(queryRunner), name);
    await queryRunner.query(`alter table ${t('facilities')} drop column metro`);
    await queryRunner.query(`drop table ${t('metros')}`);
  }
}

/**
 * Live devices by their `termination_time` (kept as an ISO 8601 UTC string, so text order is time order): the
 * orchestrator looks for those due every few seconds, which must not read every device.
 */
export class IndexTerminationTimes1767225601000 implements MigrationInterface {
  name = 'IndexTerminationTimes1767225601000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `create index devices_by_termination_time on ${qualified(schemaOf(queryRunner), 'devices')}
         ((attributes ->> 'termination_time'))
         where (attributes ->> 'termination_time') is not null and state in ('active', 'failed')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`drop index ${qualified(schemaOf(queryRunner), 'devices_by_termination_time')}`);
  }
}

/** The batch read model's migrations, in order. */
export const batchMigrations = [
  CreateBatchReadModel1767225600200,
  KeyQuarantineByIdentifier1767225600500,
  AddMetros1767225600600,
];
