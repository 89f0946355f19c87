import { MigrationInterface, QueryRunner } from 'typeorm';
import { qualified, schemaOf } from '@flotilla/projections';

/**
 * Snapshots of the resolver's fleet view: a header per snapshot and its parts in order. Parts are JSON text stored
 * uncompressed (`storage external`): a start reads them as fast as Postgres can send them.
 */
export class CreateFleetSnapshots1767225600400 implements MigrationInterface {
  name = 'CreateFleetSnapshots1767225600400';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = (name: string) => qualified(schemaOf(queryRunner), name);
    await queryRunner.query(`create table ${t('fleet_snapshots')} (
      id bigserial primary key, format integer not null, stream text not null, stream_created text not null,
      stream_seq bigint not null, taken_at timestamptz not null, parts integer not null, devices integer not null,
      sha256 text not null)`);
    await queryRunner.query(`create index on ${t('fleet_snapshots')} (stream, stream_created, stream_seq)`);
    await queryRunner.query(`create table ${t('fleet_snapshot_parts')} (
      snapshot_id bigint not null references ${t('fleet_snapshots')} on delete cascade, n integer not null,
      data text not null, primary key (snapshot_id, n))`);
    await queryRunner.query(`alter table ${t('fleet_snapshot_parts')} alter column data set storage external`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of ['fleet_snapshot_parts', 'fleet_snapshots'])
      await queryRunner.query(`drop table if exists ${qualified(schemaOf(queryRunner), name)}`);
  }
}
