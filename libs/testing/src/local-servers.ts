import { ChildProcess, execFileSync, spawn, SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, StorageType } from 'nats';
import { Client } from 'pg';
import { endsWithThisProcess } from './child-lifetime';
import { freeLoopbackPort, freeLoopbackPorts } from './test-infrastructure';

/**
 * A server a test (or the chaos harness) starts from the binaries on the PATH, on a free loopback port, and restarts
 * or stops by its own process id: never the machine's shared servers.
 */
export interface LocalServer {
  url: string;
  port: number;
  pid(): number | undefined;
  /** A clean shutdown (SIGINT for Postgres, SIGTERM for NATS) and a start on the same port and data. */
  restart(downMs?: number): Promise<void>;
  /** SIGKILL, then a start on the same port and data. */
  crash(downMs?: number): Promise<void>;
  /**
   * SIGSTOP to the server and every process it started (Postgres's backends), SIGCONT after `ms`: a server that hangs
   * (a paused VM, a stalled disk) with its connections open, which answer nothing and fail nothing meanwhile.
   */
  freeze(ms: number): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function until(check: () => Promise<boolean>, what: string, log: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '(no log)';
  throw new Error(`${what} did not come up within ${timeoutMs} ms; its log ends:\n${tail}`);
}

/** Starts a server with its output in a log file of its data folder, read back when it fails to come up. */
function spawnLogged(command: string, args: string[], options: SpawnOptions, dataDir: string): ChildProcess {
  const log = fs.openSync(path.join(dataDir, 'server.log'), 'a');
  try {
    return endsWithThisProcess(spawn(command, args, { ...options, stdio: ['ignore', log, log] }));
  } finally {
    fs.closeSync(log);
  }
}

/** A process and its descendants, parents before their children (from /proc: Linux only, as the servers here are). */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it ended meanwhile
    }
    // The parent's id is the field after the command's closing parenthesis and the state.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

function managed(
  start: () => ChildProcess,
  ready: () => Promise<boolean>,
  what: string,
  cleanStop: NodeJS.Signals,
  dataDir: string,
  url: string,
  port: number,
): Promise<LocalServer> {
  const log = path.join(dataDir, 'server.log');
  let child = start();
  const bringUp = async () => {
    child = start();
    await until(ready, what, log);
  };
  const halt = async (signal: NodeJS.Signals) => {
    const running = child;
    running.kill(signal);
    await exited(running);
  };
  const server: LocalServer = {
    url,
    port,
    pid: () => child.pid,
    async restart(downMs = 0) {
      await halt(cleanStop);
      if (downMs) await new Promise((resolve) => setTimeout(resolve, downMs));
      await bringUp();
    },
    async crash(downMs = 0) {
      await halt('SIGKILL');
      if (downMs) await new Promise((resolve) => setTimeout(resolve, downMs));
      await bringUp();
    },
    async freeze(ms) {
      // The parent first, so it starts no process while its children are found and stopped.
      const signal = (pid: number, name: NodeJS.Signals) => {
        try {
          process.kill(pid, name);
        } catch {
          // it ended meanwhile
        }
      };
      signal(child.pid as number, 'SIGSTOP');
      const tree = processTree(child.pid as number);
      for (const pid of tree) signal(pid, 'SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, ms));
      for (const pid of tree.reverse()) signal(pid, 'SIGCONT');
    },
    stop: () => halt(cleanStop),
    async destroy() {
      await halt(cleanStop);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return until(ready, what, log).then(() => server);
}

/** The newest PostgreSQL server binaries of the machine (Debian keeps them under /usr/lib/postgresql/<version>/bin). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin/postgres')))
    : [];
  if (!versions.length)
    throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)');
  return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

/** Postgres refuses to run as root: as root, it runs as the machine's `postgres` user. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  };
}

/** A Postgres server of the caller's own: trust auth, database `postgres`, its data in a temporary folder. */
export async function startLocalPostgres(): Promise<LocalServer> {
  const bin = postgresBin();
  const user = postgresUser();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-pg-'));
  if (user) fs.chownSync(dataDir, user.uid, user.gid);
  execFileSync(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
    ...user,
    stdio: 'ignore',
  });
  const port = await freeLoopbackPort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const start = () =>
    spawnLogged(
      path.join(bin, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-k',
        dataDir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'max_connections=200',
      ],
      { ...user },
      dataDir,
    );
  const ready = async () => {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  return managed(start, ready, `postgres on ${url}`, 'SIGINT', dataDir, url, port);
}

export interface LocalNatsOptions {
  /** A configuration file's text; `{{port}}`, `{{store}}` and `{{cluster_port}}` are filled in. */
  config?: string;
  /** Extra arguments to `nats-server`. */
  args?: string[];
  /** Its environment besides this process's (a configuration may read passwords from it). */
  env?: Record<string, string>;
  port?: number;
  monitorPort?: number;
  storeDir?: string;
}

/**
 * A `nats-server` with JetStream of the caller's own, its store in a temporary folder (or the one given). It is
 * ready when its monitoring endpoint says JetStream is (`/healthz?js-enabled-only=true`).
 */
export async function startLocalNats(options: LocalNatsOptions = {}): Promise<LocalServer & { monitorPort: number }> {
  const [port, monitorPort] =
    options.port && options.monitorPort ? [options.port, options.monitorPort] : await freeLoopbackPorts(2);
  const storeDir = options.storeDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-nats-'));
  const args = ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-js', '-sd', storeDir];
  if (options.config) {
    const file = path.join(storeDir, 'nats.conf');
    fs.writeFileSync(file, options.config.replaceAll('{{port}}', String(port)).replaceAll('{{store}}', storeDir));
    args.push('-c', file);
  }
  args.push(...(options.args ?? []));
  const url = `nats://127.0.0.1:${port}`;
  const start = () => spawnLogged('nats-server', args, { env: { ...process.env, ...options.env } }, storeDir);
  const ready = async () =>
    (await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`)).status === 200;
  return { ...(await managed(start, ready, `nats-server on ${url}`, 'SIGTERM', storeDir, url, port)), monitorPort };
}

/**
 * A JetStream cluster of `size` servers on loopback, each with its own store, named `flotilla-<i>`: what a stream's
 * leader is reported as. `urls` is the list a client connects to.
 */
export async function startLocalNatsCluster(
  size = 3,
): Promise<{ servers: (LocalServer & { name: string })[]; urls: string }> {
  // Every server's client, monitoring and cluster ports, chosen together so that no two are the same.
  const ports = await freeLoopbackPorts(3 * size);
  const nodes = Array.from({ length: size }, (_, i) => ({
    name: `flotilla-${i}`,
    port: ports[3 * i],
    monitorPort: ports[3 * i + 1],
    clusterPort: ports[3 * i + 2],
  }));
  const routes = nodes.map((node) => `nats://127.0.0.1:${node.clusterPort}`).join(',');
  const started = await Promise.allSettled(
    nodes.map(async ({ name, port, monitorPort, clusterPort }) => {
      const args = [
        '-n',
        name,
        '--cluster_name',
        'flotilla',
        '--cluster',
        `nats://127.0.0.1:${clusterPort}`,
        '--routes',
        routes,
      ];
      return { ...(await startLocalNats({ port, monitorPort, args })), name };
    }),
  );
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    // Leave nothing running behind a cluster that did not come up.
    await Promise.all(servers.map((server) => server.stop()));
    throw failed.reason;
  }
  const urls = servers.map((s) => s.url).join(',');
  // Ready when it can place a replicated stream: its servers have met and chosen a meta leader.
  const nc = await connect({ servers: urls.split(',') });
  try {
    await until(
      async () => {
        const jsm = await nc.jetstreamManager();
        await jsm.streams.add({
          name: 'CLUSTER_PROBE',
          subjects: ['cluster.probe'],
          num_replicas: size,
          storage: StorageType.Memory,
        });
        await jsm.streams.delete('CLUSTER_PROBE');
        return true;
      },
      `a ${size}-node JetStream cluster on ${urls}`,
      path.join(os.tmpdir(), 'no-log'),
      60_000,
    );
  } catch (err) {
    await Promise.all(servers.map((server) => server.stop()));
    throw err;
  } finally {
    await nc.close();
  }
  return { servers, urls };
}
