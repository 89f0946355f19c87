import { DataSource, EntityManager } from 'typeorm';
import { DependencyError, StreamIdentity } from '@flotilla/event-store';
import { qualified } from './projection';

/**
 * A read model that does not count in the stream it is now pointed at (platform.md §4a, stream identity): built from
 * another one, or ahead of this one's end (a stream restored from an older backup keeps its identity).
 */
export class ReadModelMismatchError extends Error {
  override readonly name = 'ReadModelMismatchError';
  constructor(projection: string, why: string) {
    super(
      `read model "${projection}" ${why}: it refuses to serve until rebuilt (npm run cli -- rebuild ${projection})`,
    );
  }
}

/**
 * A read model's database holds less of it than this instance has seen it hold: restored from an older backup, or
 * recreated empty and migrated. Applying on would leave out everything in between; the consumer starts again from the
 * checkpoint the database has, so the read model is caught up from the log.
 */
export class ReadModelBehindError extends DependencyError {
  override readonly name = 'ReadModelBehindError';
  constructor(projection: string, checkpoint: number, seen: number) {
    super(
      `read model "${projection}" is at sequence ${checkpoint} in its database, behind the ${seen} this instance saw ` +
        '(restored from an older backup, or recreated): catching up from the log',
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

  async ensure(name: string, manager: Pick<EntityManager, 'query'> = this.dataSource): Promise<void> {
    await manager.query(`insert into ${this.table} (name, last_seq) values ($1, 0) on conflict (name) do nothing`, [
      name,
    ]);
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
   * The checkpoint as it stands against `stream`: whether it counts in another stream, or past the stream's end. A
   * checkpoint that has not applied anything yet, or that predates stream identities, counts in any. The stream's end
   * is read after the checkpoint: another instance may apply a newer event in between, and a stream only grows.
   */
  async standing(
    name: string,
    stream: StreamIdentity,
    streamLastSeq: () => Promise<number>,
  ): Promise<{ lastSeq: number; other: StreamIdentity | null; end: number | null }> {
    const { lastSeq, stream: counted } = await this.read(name);
    if (lastSeq === 0) return { lastSeq, other: null, end: null };
    const other = counted && (counted.name !== stream.name || counted.created !== stream.created) ? counted : null;
    return { lastSeq, other, end: other ? null : await streamLastSeq() };
  }

  /** The checkpoint's position in `stream`, refusing one that counts in another stream or is past its end. */
  async positionIn(name: string, stream: StreamIdentity, streamLastSeq: () => Promise<number>): Promise<number> {
    const { lastSeq, other, end } = await this.standing(name, stream, streamLastSeq);
    if (other)
      throw new ReadModelMismatchError(
        name,
        `was built from stream ${other.name} created ${other.created}, but ${stream.name} now was created ${stream.created}`,
      );
    if (end !== null && lastSeq > end)
      throw new ReadModelMismatchError(
        name,
        `has applied ${stream.name} up to sequence ${lastSeq}, but the stream ends at ${end} (restored from an older backup?)`,
      );
    return lastSeq;
  }

  /**
   * Reads and locks the checkpoint for the rest of the transaction: writers of one projection take turns. A row gone
   * (the schema recreated under a running service) is made again at 0.
   */
  async lock(manager: EntityManager, name: string): Promise<number> {
    const select = `select last_seq from ${this.table} where name = $1 for update`;
    let rows = await manager.query(select, [name]);
    if (!rows.length) {
      await this.ensure(name, manager);
      rows = await manager.query(select, [name]);
    }
    return Number(rows[0].last_seq);
  }

  async write(manager: EntityManager, name: string, lastSeq: number, stream: StreamIdentity): Promise<void> {
    await manager.query(
      `update ${this.table} set last_seq = $2, stream_name = $3, stream_created = $4, updated_at = now()
       where name = $1`,
      [name, lastSeq, stream.name, stream.created],
    );
  }

  /**
   * Moves the checkpoint forward to `lastSeq`, never back, outside any transaction: for a position that several
   * instances advance side by side, each having done everything up to it.
   */
  async advance(
    name: string,
    lastSeq: number,
    stream: StreamIdentity,
    manager: Pick<EntityManager, 'query'> = this.dataSource,
  ): Promise<void> {
    await manager.query(
      `update ${this.table} set last_seq = $2, stream_name = $3, stream_created = $4, updated_at = now()
       where name = $1 and last_seq < $2`,
      [name, lastSeq, stream.name, stream.created],
    );
  }
}
