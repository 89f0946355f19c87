import { DataSource, EntityManager } from 'typeorm';
import { qualified } from './projection';

/** Last applied stream sequence per projection, kept in the read model's own database. */
export class CheckpointStore {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = qualified(schema, 'projection_checkpoints');
  }

  async ensure(name: string): Promise<void> {
    await this.dataSource.query(`insert into ${this.table} (name, last_seq) values ($1, 0) on conflict (name) do nothing`, [name]);
  }

  async read(name: string): Promise<number> {
    const rows = await this.dataSource.query(`select last_seq from ${this.table} where name = $1`, [name]);
    return rows.length ? Number(rows[0].last_seq) : 0;
  }

  /** Reads and locks the checkpoint for the rest of the transaction: writers of one projection take turns. */
  async lock(manager: EntityManager, name: string): Promise<number> {
    const rows = await manager.query(`select last_seq from ${this.table} where name = $1 for update`, [name]);
    if (!rows.length) throw new Error(`projection ${name} has no checkpoint row`);
    return Number(rows[0].last_seq);
  }

  async write(manager: EntityManager, name: string, lastSeq: number): Promise<void> {
    await manager.query(`update ${this.table} set last_seq = $2, updated_at = now() where name = $1`, [name, lastSeq]);
  }

  async remove(manager: EntityManager, name: string): Promise<void> {
    await manager.query(`delete from ${this.table} where name = $1`, [name]);
  }
}
