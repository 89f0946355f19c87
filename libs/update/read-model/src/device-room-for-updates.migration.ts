import { MigrationInterface, QueryRunner } from 'typeorm';
import { qualified, schemaOf } from '@flotilla/projections';

/**
 * Room on each page of `devices` for new versions of its rows. A device's row changes at every attempt (its count) and
 * firmware change, none of them an indexed column, so with room beside it an update is made in place (a HOT update) and
 * writes no index; rows inserted at the default fill left none, and in a run of the `resolve` bench 29 of 3,484 updates
 * were HOT (the rest moved the row and wrote both of its indexes), against all 6,750 with the room. Setting it takes a
 * lock that holds back no read or write. Pages written before this keep their layout until the table is rewritten
 * (`npm run cli -- rebuild update`, which keeps the setting, or `vacuum full`).
 */
export class DeviceRoomForUpdates1767225601100 implements MigrationInterface {
  name = 'DeviceRoomForUpdates1767225601100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`alter table ${qualified(schemaOf(queryRunner), 'devices')} set (fillfactor = 80)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`alter table ${qualified(schemaOf(queryRunner), 'devices')} reset (fillfactor)`);
  }
}
