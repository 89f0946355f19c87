import { DataSource, EntityManager } from 'typeorm';
import { StreamIdentity } from '@flotilla/event-store';
import { qualified } from './projection';

/** A read model built from another stream than the one it is now pointed at (platform.md §4a, stream identity). */
export class ReadModelMismatchError extends Error {
  override readonly name = 'ReadModelMismatchError';
  constructor(projection: string, built: StreamIdentity, now: StreamIdentity) {
    super(
      `read model "${projection}" was built from stream ${built.name} created ${built.created}, but ${now.name} now was ` +
        `created ${now.created}: it refuses to serve until rebuilt (npm run cli -- rebuild ${projection})`,
    );
  }
}

export interface Checkpoint {
  lastSeq: number;
  stream: StreamIdentity | null;
}

/** Last applied stream sequence per projection, and the stream it counts in, kept in the read model's database. */
export class CheckpointStore {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.table = qualified(schema, 'projection_checkpoints');
  }

  async ensure(name: string): Promise<void> {
    await this.dataSource.query(
      `insert into ${this.table} (name, last_seq) values ($1, 0) on conflict (name) do nothing`,
      [name],
    );
  }

  async read(name: string, manager: Pick<EntityManager, 'query'> = this.dataSource): Promise<Checkpoint> {
    const rows = await manager.query(
      `select last_seq, stream_name, stream_created from ${this.table} where name = $1`,
      [name],
    );
    if (!rows.length) return { lastSeq: 0, stream: null };
    const [row] = rows;
    return {
      lastSeq: Number(row.last_seq),
      stream: row.stream_name ? { name: row.stream_name, created: row.stream_created } : null,
    };
  }

  /**
   * The checkpoint's position in `stream`, refusing one that counts in another stream. A checkpoint that has not
   * applied anything yet, or that predates stream identities and is not ahead of the stream, is taken over.
   */
  async positionIn(name: string, stream: StreamIdentity, streamLastSeq: number): Promise<number> {
    const { lastSeq, stream: built } = await this.read(name);
    if (lastSeq === 0) return 0;
    if (built ? built.name !== stream.name || built.created !== stream.created : lastSeq > streamLastSeq) {
      throw new ReadModelMismatchError(name, built ?? { name: stream.name, created: 'earlier (unknown)' }, stream);
    }
    return lastSeq;
  }

  /** Reads and locks the checkpoint for the rest of the transaction: writers of one projection take turns. */
  async lock(manager: EntityManager, name: string): Promise<number> {
    const rows = await manager.query(`select last_seq from ${this.table} where name = $1 for update`, [name]);
    if (!rows.length) throw new Error(`projection ${name} has no checkpoint row`);
    return Number(rows[0].last_seq);
  }

  async write(manager: EntityManager, name: string, lastSeq: number, stream: StreamIdentity): Promise<void> {
    await manager.query(
      `update ${this.table} set last_seq = $2, stream_name = $3, stream_created = $4, updated_at = now()
       where name = $1`,
      [name, lastSeq, stream.name, stream.created],
    );
  }
}
