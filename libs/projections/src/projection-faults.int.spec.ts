import { AddressInfo, createServer, Socket } from 'node:net';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { EventStore, isTransient } from '@flotilla/event-store';
import { eventually, LocalServer, openTestEnvironment, startLocalPostgres, TestEnvironment } from '@flotilla/testing';
import { CheckpointStore, ReadModelMismatchError } from './checkpoint-store';
import { PostgresParkedStore } from './parked-store';
import { ProjectionRunner } from './projection-runner';
import { openReadModelDatabase, readModelDatabaseReady } from './read-model-database';
import { rebuildProjection, verifyProjection } from './rebuild-projection';
import { createTallySchema, tallyDataSource, tallyMigrations, tallyProjection } from './test-fixtures/tally-projection';

const quick = { maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 200 };

describe('a projection under faults', () => {
  let env: TestEnvironment;
  let store: EventStore;
  const schema = 'tally_faults';
  const append = (id: string, data: Record<string, unknown> = {}) =>
    store.append(store.subjectFor('tally', id), [{ type: 'Counted', data }], {
      expectedVersion: 'any',
      metadata: { actor: 'test' },
    });

  /** A runner on `dataSource` that has applied ten commits, and what it warned of. */
  const runnerAtTen = async (dataSource: DataSource) => {
    const warned: { msg: string; error: string }[] = [];
    const logger = { log: () => undefined, error: () => undefined, warn: (m: object) => warned.push(m as never) };
    const runner = new ProjectionRunner(store, dataSource, tallyProjection(schema), { retry: quick, logger });
    await runner.start();
    for (let i = 0; i < 10; i++) await append(`t${i % 3}`);
    await eventually(async () => (await runner.checkpoint()) === 10, 10_000, 'applied');
    return { runner, warned };
  };

  beforeEach(async () => {
    env = await openTestEnvironment('FAULT');
    store = await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix });
  });

  afterEach(async () => {
    await env.close();
  });

  describe('with a Postgres of its own', () => {
    let postgres: LocalServer;
    let dataSource: DataSource;

    beforeEach(async () => {
      postgres = await startLocalPostgres();
      dataSource = await tallyDataSource(postgres.url, schema).initialize();
      await createTallySchema(dataSource);
    });

    afterEach(async () => {
      await dataSource.destroy().catch(() => undefined);
      await postgres.destroy();
    });

    it('loses nothing and doubles nothing while Postgres restarts three times under a steady stream of commits', async () => {
      const retried: unknown[] = [];
      const logger = { log: () => undefined, error: () => undefined, warn: (m: object) => retried.push(m) };
      const runners = [1, 2].map(
        () => new ProjectionRunner(store, dataSource, tallyProjection(schema), { batchSize: 20, retry: quick, logger }),
      );
      await Promise.all(runners.map((r) => r.start()));
      let writing = true;
      let written = 0;
      const writer = (async () => {
        while (writing) {
          await append(`t${written % 7}`);
          written++;
          await new Promise((resolve) => setTimeout(resolve, 3));
        }
      })();
      for (let restart = 0; restart < 3; restart++) {
        await eventually(async () => (await runners[0].checkpoint()) > 0, 20_000, 'applying').catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 400));
        await postgres.restart(300);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      writing = false;
      await writer;
      const last = await store.lastSequence();
      await eventually(async () => (await runners[0].checkpoint()) === last, 60_000, 'caught up after the restarts');
      await Promise.all(runners.map((r) => r.stop()));

      expect(last).toBe(written);
      expect(retried.length).toBeGreaterThan(0); // the restarts did hit the projection
      const [{ total, rows }] = await dataSource.query(
        `select (select sum(total)::int from ${schema}.tally_totals) as total, (select count(*)::int
           from ${schema}.tally_applied) as rows`,
      );
      expect(total).toBe(written);
      expect(rows).toBe(written);
      expect(await verifyProjection(store, dataSource, tallyProjection(schema))).toMatchObject({
        position: last,
        differences: [],
      });
      expect(await new PostgresParkedStore(dataSource, schema).list({ all: true })).toEqual([]);
    });

    it('waits out a database gone read-only (a failover onto a standby not yet promoted) and parks nothing', async () => {
      const { runner, warned: retried } = await runnerAtTen(dataSource);
      // As a failover does it: every connection cut, and the ones made again find the database read-only.
      const admin = new Client({ connectionString: postgres.url });
      await admin.connect();
      const readOnly = async (on: boolean) => {
        const setting = on ? 'set default_transaction_read_only = on' : 'reset default_transaction_read_only';
        await admin.query(`alter database postgres ${setting}`);
        await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity ' +
            'where datname = current_database() and pid <> pg_backend_pid()',
        );
      };
      await readOnly(true);
      // One commit alone, as a quiet hour has it: nothing after it to try first.
      await append('t0');
      // Tried more often than a commit at fault is before it is parked, and waiting still, told as Postgres's trouble
      // (never as the commit's, nor as a try to park it).
      await eventually(async () => retried.length > 2 * quick.maxAttempts, 10_000, 'retried');
      expect(retried.at(-1)?.error).toMatch(/read-only transaction/);
      expect(new Set(retried.map((r) => r.msg))).toEqual(new Set(['apply failed, retrying']));
      expect(await runner.checkpoint()).toBe(10);
      await readOnly(false);
      await eventually(async () => (await runner.checkpoint()) === 11, 10_000, 'applied after the promotion');
      await runner.stop();
      await admin.end();
      expect(await new PostgresParkedStore(dataSource, schema).list({ all: true })).toEqual([]);
      const [{ total }] = await dataSource.query(`select sum(total)::int as total from ${schema}.tally_totals`);
      expect(total).toBe(11);
    });
  });

  describe('with the shared Postgres', () => {
    let dataSource: DataSource;

    beforeEach(async () => {
      dataSource = await tallyDataSource(env.db.url, schema).initialize();
      await createTallySchema(dataSource);
    });

    afterEach(async () => {
      await dataSource.destroy();
    });

    it("parks a poison commit and moves its checkpoint past it in one transaction; an operator's retry applies it once", async () => {
      let cured = false;
      const projection = tallyProjection(schema, undefined, () => cured);
      const runner = new ProjectionRunner(store, dataSource, projection, { batchSize: 10, retry: quick });
      await runner.start();
      for (let i = 1; i <= 30; i++) {
        if (i === 20) await store.js.publish(store.subjectFor('tally', 'garbled'), Buffer.from('\u0000\u0001'));
        else await append(`t${i % 3}`, i === 12 ? { poison: true } : {});
      }
      await eventually(async () => (await runner.checkpoint()) === 30, 20_000, 'past the poison');
      const parked = new PostgresParkedStore(dataSource, schema);
      expect((await parked.list()).map((p) => [p.consumer, p.streamSeq, p.status, p.attempts]).sort()).toEqual([
        ['tally', 12, 'parked', 3],
        ['tally', 20, 'parked', 1],
      ]);
      expect((await parked.list()).find((p) => p.streamSeq === 12)?.error).toBe('TypeError: a poisoned tally');
      expect((await parked.list()).find((p) => p.streamSeq === 20)?.error).toMatch(
        /^SyntaxError: Unexpected token '\\u0000'/,
      );
      expect((await runner.report()).parked).toBe(2);
      const [{ rows }] = await dataSource.query(`select count(*)::int as rows from ${schema}.tally_applied`);
      expect(rows).toBe(28);
      expect((await verifyProjection(store, dataSource, projection)).differences).toEqual([]);

      cured = true;
      expect(await parked.decide('tally', 12, 'retry', 'test')).toBe(true);
      await eventually(
        async () => (await parked.list({ all: true })).find((p) => p.streamSeq === 12)?.status === 'retried',
        10_000,
        'retried',
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      await runner.stop();
      const [{ applied }] = await dataSource.query(
        `select count(*)::int as applied from ${schema}.tally_applied where stream_seq = 12`,
      );
      expect(applied).toBe(1);
      const [{ total }] = await dataSource.query(`select sum(total)::int as total from ${schema}.tally_totals`);
      expect(total).toBe(29);
    });

    it("fails a commit kept waiting on someone else's lock as Postgres's trouble, says why, and applies it once the lock is gone", async () => {
      // The read model as the services open it, with a lock wait of a third of a second instead of a minute.
      const services = await openReadModelDatabase({
        url: env.db.url,
        schema,
        migrations: tallyMigrations,
        migrate: true,
        lockTimeoutMs: 300,
      });
      const runner = new ProjectionRunner(store, services, tallyProjection(schema), { retry: quick });
      await runner.start();
      for (let i = 0; i < 5; i++) await append(`t${i % 2}`);
      await eventually(async () => (await runner.checkpoint()) === 5, 10_000, 'applied');
      // An operator's transaction holds the table (a DDL, a VACUUM FULL, a psql session left open).
      const operator = new Client({ connectionString: env.db.url });
      await operator.connect();
      await operator.query('begin');
      await operator.query(`lock table ${schema}.tally_totals in access exclusive mode`);
      for (let i = 0; i < 3; i++) await append(`t${i % 2}`);
      await eventually(
        async () => ((await runner.report()).failing?.attempts ?? 0) > quick.maxAttempts,
        10_000,
        'retried',
      );
      const report = await runner.report();
      expect(report.failing).toMatchObject({ streamSeq: 6, error: expect.stringMatching(/lock timeout/) });
      expect(report.alive).toBe(true); // not a hang for liveness to restart: the process would only wait again
      expect(report.parked).toBe(0); // nor the commit's fault
      await operator.query('commit');
      await operator.end();
      await eventually(async () => (await runner.checkpoint()) === 8, 10_000, 'applied once the lock was gone');
      expect((await runner.report()).failing).toBeNull();
      await runner.stop();
      await services.destroy();
      const [{ total }] = await dataSource.query(`select sum(total)::int as total from ${schema}.tally_totals`);
      expect(total).toBe(8);
    });

    it('fails a connection to a Postgres that takes it and never answers (its host gone) as a dependency away', async () => {
      const sockets = new Set<Socket>();
      const silent = createServer((socket) => void sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = silent.address() as AddressInfo;
        const url = `postgres://postgres@127.0.0.1:${port}/flotilla`;
        const error = await openReadModelDatabase({ url, schema, connectTimeoutMs: 300 }).catch((err: unknown) => err);
        expect(sockets.size).toBeGreaterThan(0);
        expect(error).toBeInstanceOf(Error);
        expect(isTransient(error)).toBe(true);
      } finally {
        for (const socket of sockets) socket.destroy();
        silent.close();
      }
    });

    it("waits for another instance's migrations however long they take, beyond the lock timeout", async () => {
      const migrating = new Client({ connectionString: env.db.url });
      await migrating.connect();
      await migrating.query('select pg_advisory_lock(hashtext($1))', [`flotilla-migrations:${schema}`]);
      let opened = false;
      const opening = openReadModelDatabase({
        url: env.db.url,
        schema,
        migrations: tallyMigrations,
        migrate: true,
        lockTimeoutMs: 100,
      }).then((db) => {
        opened = true;
        return db;
      });
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(opened).toBe(false);
      await migrating.end(); // its session, and the lock with it
      const db = await opening;
      // The session that waited is back in the pool with the lock timeout it was opened with.
      const timeouts = await Promise.all(
        [1, 2, 3, 4].map(() => db.query('show lock_timeout').then(([r]) => r.lock_timeout as string)),
      );
      await db.destroy();
      expect(new Set(timeouts)).toEqual(new Set(['100ms']));
    });

    /** The read model holds every commit up to `seq` once, as a rebuild from the log would. */
    const expectWholeAt = async (seq: number) => {
      expect(await verifyProjection(store, dataSource, tallyProjection(schema))).toMatchObject({
        position: seq,
        differences: [],
      });
      const [{ total }] = await dataSource.query(`select sum(total)::int as total from ${schema}.tally_totals`);
      expect(total).toBe(seq);
    };

    it('catches a read model up from the log, on a quiet system, when its database is emptied and migrated again', async () => {
      const { runner, warned } = await runnerAtTen(dataSource);
      expect(await readModelDatabaseReady(dataSource, schema, [tallyProjection(schema)])).toEqual({ ok: true });

      // A database recreated (or restored without the service's schema): it answers, but holds none of its tables.
      await dataSource.query(`drop schema ${schema} cascade`);
      expect(await readModelDatabaseReady(dataSource, schema, [tallyProjection(schema)])).toEqual({
        ok: false,
        detail: expect.stringMatching(/^schema tally_faults lacks its tables .*run the migrations/),
      });
      // Nor can it be rebuilt or verified before it is migrated again.
      for (const run of [rebuildProjection, verifyProjection])
        await expect(run(store, dataSource, tallyProjection(schema))).rejects.toThrow(
          'schema tally_faults lacks its tables: run the migrations first (flotilla migrate)',
        );
      // Migrated again, it is empty; no commit comes to show it, and the runner starts over from the log all the same.
      await createTallySchema(dataSource);
      await eventually(async () => (await runner.checkpoint()) === 10, 20_000, 'caught up from the log');
      await append('t0');
      expect(await runner.waitFor(11)).toBe(true);
      await runner.stop();

      // Told once, as what it is: not as a failure of Postgres's nor of a commit's.
      expect(warned).toEqual([
        { msg: 'target went back, catching up from the log', consumer: 'tally', held: 0, applied: 10 },
      ]);
      await expectWholeAt(11);
    });

    it('says which table is missing, and a rebuild makes it again from the log while the read model waits', async () => {
      const { runner, warned } = await runnerAtTen(dataSource);
      const ready = () => readModelDatabaseReady(dataSource, schema, [tallyProjection(schema)]);
      // One table dropped by hand, or left out of a restore: the schema is there, its other tables too.
      await dataSource.query(`drop table ${schema}.tally_totals`);
      expect(await ready()).toEqual({
        ok: false,
        detail: 'table tally_totals of read model tally is missing: rebuild it from the log (flotilla rebuild tally)',
      });
      await expect(verifyProjection(store, dataSource, tallyProjection(schema))).rejects.toThrow(
        'table tally_totals of tally is missing: rebuild tally from the log',
      );
      // The line stops at the next commit: Postgres's trouble, not the commit's, so nothing is parked.
      await append('t1');
      await eventually(async () => warned.some((w) => /tally_totals" does not exist/.test(w.error)), 10_000, 'failed');
      expect(await runner.checkpoint()).toBe(10);

      await rebuildProjection(store, dataSource, tallyProjection(schema));
      expect(await ready()).toEqual({ ok: true });
      await append('t2');
      expect(await runner.waitFor(12)).toBe(true);
      await runner.stop();
      expect(await new PostgresParkedStore(dataSource, schema).list({ consumer: 'tally', all: true })).toEqual([]);
      await expectWholeAt(12);
      // The scratch schema the table's shape came from is gone.
      const [{ left }] = await dataSource.query(
        `select count(*)::int as left from pg_namespace where nspname like $1`,
        [`${schema}\\_\\_%`],
      );
      expect(left).toBe(0);
    });

    it('names a service table that is missing and how to make it again', async () => {
      await dataSource.query(`drop table ${schema}.aggregate_snapshots`);
      expect(await readModelDatabaseReady(dataSource, schema, [tallyProjection(schema)])).toEqual({
        ok: false,
        detail: expect.stringMatching(
          /^table aggregate_snapshots is missing: restore it from a backup, or drop schema tally_faults and start/,
        ),
      });
    });

    it('applies nothing on top of a read model restored from an older backup under it, but catches it up', async () => {
      const { runner, warned } = await runnerAtTen(dataSource);
      // The backup was taken after the 4th commit: its rows and its checkpoint, together.
      await dataSource.transaction(async (manager) => {
        await manager.query(`delete from ${schema}.tally_applied where stream_seq > 4`);
        await manager.query(`delete from ${schema}.tally_totals`);
        await manager.query(
          `insert into ${schema}.tally_totals (id, total)
           values ('t0', 2), ('t1', 1), ('t2', 1)`,
        );
        await manager.query(`update ${schema}.projection_checkpoints set last_seq = 4 where name = 'tally'`);
      });
      await append('t0');
      await eventually(async () => (await runner.checkpoint()) === 11, 10_000, 'caught up from the log');
      await runner.stop();

      expect(warned.map((w) => w.error)).toContainEqual(
        expect.stringMatching(/at sequence 4 in its database, behind the 10 this instance saw/),
      );
      await expectWholeAt(11);
    });

    it('refuses to serve from a stream recreated under the same name, until rebuilt from it', async () => {
      const runner = new ProjectionRunner(store, dataSource, tallyProjection(schema), { batchSize: 10 });
      await runner.start();
      for (let i = 0; i < 5; i++) await append('old');
      await eventually(async () => (await runner.checkpoint()) === 5);
      await runner.stop();

      await store.jsm.streams.delete(env.stream);
      const recreated = await EventStore.open(env.nc, { stream: env.stream, subjectPrefix: env.subjectPrefix });
      await recreated.append(recreated.subjectFor('tally', 'new'), [{ type: 'Counted', data: {} }], {
        expectedVersion: 0,
        metadata: { actor: 'test' },
      });
      const stale = new ProjectionRunner(recreated, dataSource, tallyProjection(schema));
      await expect(stale.start()).rejects.toBeInstanceOf(ReadModelMismatchError);
      await expect(stale.start()).rejects.toThrow(/rebuild tally/);

      await rebuildProjection(recreated, dataSource, tallyProjection(schema));
      const rebuilt = new ProjectionRunner(recreated, dataSource, tallyProjection(schema));
      await rebuilt.start();
      await rebuilt.stop();
      expect(await dataSource.query(`select id, total from ${schema}.tally_totals`)).toEqual([{ id: 'new', total: 1 }]);
    });

    it('refuses to serve a read model ahead of its stream (one restored from an older backup), until rebuilt', async () => {
      const runner = new ProjectionRunner(store, dataSource, tallyProjection(schema), { batchSize: 10 });
      await runner.start();
      await append('kept');
      await eventually(async () => (await runner.checkpoint()) === (await store.lastSequence()));
      await runner.stop();
      // As if the stream had lost its last commits: the read model now holds more than the log does.
      const end = await store.lastSequence();
      await dataSource.query(`update ${schema}.projection_checkpoints set last_seq = $1 where name = 'tally'`, [
        end + 3,
      ]);

      const ahead = new ProjectionRunner(store, dataSource, tallyProjection(schema));
      await expect(ahead.start()).rejects.toThrow(
        new RegExp(`up to sequence ${end + 3}, but the stream ends at ${end} .*rebuild tally`),
      );
      await rebuildProjection(store, dataSource, tallyProjection(schema));
      const rebuilt = new ProjectionRunner(store, dataSource, tallyProjection(schema));
      await rebuilt.start();
      await rebuilt.stop();
      expect(await rebuilt.checkpoint()).toBe(end);
    });

    it('takes over a checkpoint that another instance moves on while this one reads where the stream ends', async () => {
      const runner = new ProjectionRunner(store, dataSource, tallyProjection(schema));
      await runner.start();
      await append('first');
      await eventually(async () => (await runner.checkpoint()) === 1);
      const checkpoints = new CheckpointStore(dataSource, schema);
      const identity = await store.currentIdentity();
      // The end as read just before the other instance appends the next commit and applies it.
      const endThenAnotherApplies = async () => {
        const end = await store.lastSequence();
        await append('second');
        await eventually(async () => (await runner.checkpoint()) === end + 1);
        return end;
      };

      await expect(checkpoints.positionIn('tally', identity, endThenAnotherApplies)).resolves.toBe(1);
      await runner.stop();
    });
  });
});
