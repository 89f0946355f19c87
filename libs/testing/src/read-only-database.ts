import { Client } from 'pg';
import { eventually, TestDatabase } from './test-infrastructure';

/**
 * Makes a test database refuse writes in every new session (a failover onto a standby not yet promoted), or take
 * them again, and ends its sessions so that the services' pools open new ones. Returns once the ended sessions are
 * gone: a query sent on one before its socket closed would fail (a 503 once, as after any Postgres restart), which
 * is not what a test of a read model behind the log is about.
 */
export async function setReadOnly(db: TestDatabase, on: boolean): Promise<void> {
  const admin = new Client({ connectionString: db.url.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  try {
    await admin.query(
      on
        ? `alter database "${db.name}" set default_transaction_read_only = on`
        : `alter database "${db.name}" reset default_transaction_read_only`,
    );
    const { rows } = await admin.query(
      'select pid, pg_terminate_backend(pid) from pg_stat_activity where datname = $1',
      [db.name],
    );
    const pids = rows.map((row: { pid: number }) => row.pid);
    await eventually(
      async () => (await admin.query('select 1 from pg_stat_activity where pid = any($1)', [pids])).rows.length === 0,
    );
  } finally {
    await admin.end();
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}
