import { DataSource } from 'typeorm';
import { qualified } from '@flotilla/projections';
import { FLEET_SNAPSHOT_FORMAT } from './fleet-snapshot';

export interface FleetSnapshotHeader {
  id: number;
  format: number;
  stream: string;
  streamCreated: string;
  streamSeq: number;
  takenAt: Date;
  parts: number;
  devices: number;
  sha256: string;
}

/** Snapshots kept per stream: the newest, and the one before in case the newest cannot be read. */
const KEPT = 2;
/** Parts written or fetched per statement (about 6 MB). */
const PARTS_PER_READ = 16;

/** Fleet-view snapshots in the resolver's Postgres schema, any instance's readable by every other. */
export class FleetSnapshotStore {
  private readonly snapshots: string;
  private readonly parts: string;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.snapshots = qualified(schema, 'fleet_snapshots');
    this.parts = qualified(schema, 'fleet_snapshot_parts');
  }

  /** Stores a snapshot in one transaction and drops all but the newest of its stream; returns its id. */
  async save(header: Omit<FleetSnapshotHeader, 'id'>, parts: string[]): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [{ id }] = await manager.query(
        `insert into ${this.snapshots} (format, stream, stream_created, stream_seq, taken_at, parts, devices, sha256)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
        [
          header.format,
          header.stream,
          header.streamCreated,
          header.streamSeq,
          header.takenAt,
          header.parts,
          header.devices,
          header.sha256,
        ],
      );
      for (let n = 0; n < parts.length; n += PARTS_PER_READ) {
        const batch = parts.slice(n, n + PARTS_PER_READ);
        await manager.query(
          `insert into ${this.parts} (snapshot_id, n, data) select $1, * from unnest($2::int[], $3::text[])`,
          [id, batch.map((_, i) => n + i), batch],
        );
      }
      await manager.query(
        `delete from ${this.snapshots} where stream = $1 and id not in (
           select id from ${this.snapshots} where stream = $1 order by stream_seq desc, id desc limit ${KEPT})`,
        [header.stream],
      );
      return Number(id);
    });
  }

  /**
   * The newest snapshot of this stream (this incarnation of it) in the format this code reads; `skipped` counts newer
   * ones written in another format, which are passed over.
   */
  async newest(
    stream: string,
    streamCreated: string,
  ): Promise<{ header: FleetSnapshotHeader | null; skipped: number }> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `select id, format, stream, stream_created, stream_seq, taken_at, parts, devices, sha256 from ${this.snapshots}
       where stream = $1 and stream_created = $2 order by stream_seq desc, id desc`,
      [stream, streamCreated],
    );
    const usable = rows.findIndex((row) => row.format === FLEET_SNAPSHOT_FORMAT);
    const row = rows[usable];
    return {
      skipped: usable < 0 ? rows.length : usable,
      header: row
        ? {
            id: Number(row.id),
            format: Number(row.format),
            stream: String(row.stream),
            streamCreated: String(row.stream_created),
            streamSeq: Number(row.stream_seq),
            takenAt: row.taken_at as Date,
            parts: Number(row.parts),
            devices: Number(row.devices),
            sha256: String(row.sha256),
          }
        : null,
    };
  }

  /**
   * A snapshot's parts in order, a few at a time, the next few asked for while these are read. The first read asks for
   * the catalog and one part of devices only (a read is answered whole): the reader starts on them while Postgres
   * sends the next ones.
   */
  async *partsOf(header: FleetSnapshotHeader): AsyncGenerator<string> {
    const fetch = (from: number, to: number) => {
      const rows = this.dataSource
        .query(`select data from ${this.parts} where snapshot_id = $1 and n >= $2 and n < $3 order by n`, [
          header.id,
          from,
          to,
        ])
        .then((rows: { data: string }[]) => {
          if (rows.length !== to - from) throw new Error(`snapshot ${header.id} lacks parts from ${from} on`);
          return rows;
        });
      rows.catch(() => undefined); // a read given up on (the snapshot was bad) leaves no unhandled rejection
      return rows;
    };
    let next = header.parts > 0 ? fetch(0, Math.min(2, header.parts)) : null;
    for (let from = 2; next; from += PARTS_PER_READ) {
      const rows = await next;
      next = from < header.parts ? fetch(from, Math.min(from + PARTS_PER_READ, header.parts)) : null;
      for (const row of rows) yield row.data;
    }
  }
}
