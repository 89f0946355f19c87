import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { connect, NatsConnection } from 'nats';
import { Client } from 'pg';

/** The servers the Jest global setup resolved (tools/test/global-setup.js). */
export function testNatsUrl(): string {
  const url = process.env.NATS_URL;
  if (!url) throw new Error('NATS_URL is not set: run tests through Jest so the global setup can find NATS');
  return url;
}

export function testDatabaseServerUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run tests through Jest so the global setup can find Postgres');
  return url;
}

/** A name no other test (or run) uses, so tests run in parallel and twice in a row. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`.toUpperCase();
}

export async function connectTestNats(name = 'test'): Promise<NatsConnection> {
  return connect({ servers: testNatsUrl(), name });
}

/** Deletes the test's streams (and with them their consumers). */
export async function deleteStreams(nc: NatsConnection, ...names: string[]): Promise<void> {
  const jsm = await nc.jetstreamManager();
  for (const name of names) await jsm.streams.delete(name).catch(() => undefined);
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh database of its own on the test Postgres server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = new URL(testDatabaseServerUrl());
  const name = uniqueName('flotilla_test').toLowerCase();
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = new Client({ connectionString: admin.toString() });
      await c.connect();
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

/** Waits until a durable consumer of `stream` has been handed every commit and has acknowledged each one. */
export function consumerCaughtUp(
  nc: NatsConnection,
  stream: string,
  consumer: string,
  timeoutMs = 20_000,
): Promise<true> {
  return eventually(
    async () => {
      const info = await (await nc.jetstreamManager()).consumers.info(stream, consumer);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    timeoutMs,
    `${consumer} caught up with ${stream}`,
  );
}

/** A free TCP port on the loopback interface. */
export async function freeLoopbackPort(): Promise<number> {
  const [port] = await freeLoopbackPorts(1);
  return port;
}

/**
 * Where ports to listen on are drawn from: below the kernel's ephemeral range (32768 and up on Linux, 49152 on macOS),
 * from which every outgoing connection takes its own port. A port from that range, free when chosen, may be some
 * process's next connection by the time a service binds it (EADDRINUSE); one below it is never taken so.
 */
const LISTEN_PORTS = { from: 20_000, to: 32_767 };
/** Ports this process has handed out: never twice. */
const handedOut = new Set<number>();

/** Whether a listener can take `port` on every interface (so on loopback too) now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** `count` distinct free ports to listen on, none handed out before by this process. */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = LISTEN_PORTS.from + Math.floor(Math.random() * (LISTEN_PORTS.to - LISTEN_PORTS.from + 1));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    ports.push(port);
  }
  return ports;
}

/** A test's own NATS connection, database and uniquely named event stream, removed again by close(). */
export interface TestEnvironment {
  nc: NatsConnection;
  db: TestDatabase;
  stream: string;
  subjectPrefix: string;
  /** Command and query subjects of its own (RPC_SUBJECT_PREFIX): suites run beside each other and `npm start`. */
  rpcPrefix: string;
  /** Another uniquely named stream (e.g. the other service's), removed by close() as well. */
  siblingStream(suffix: string): { stream: string; subjectPrefix: string };
  close(): Promise<void>;
}

export async function openTestEnvironment(streamPrefix: string): Promise<TestEnvironment> {
  const nc = await connectTestNats();
  const db = await createTestDatabase();
  const stream = uniqueName(streamPrefix);
  const streams = [stream];
  return {
    nc,
    db,
    stream,
    subjectPrefix: `evt.${stream.toLowerCase()}`,
    rpcPrefix: `test.${stream.toLowerCase()}`,
    siblingStream: (suffix) => {
      const sibling = `${stream}_${suffix}`;
      streams.push(sibling);
      return { stream: sibling, subjectPrefix: `evt.${sibling.toLowerCase()}` };
    },
    close: async () => {
      await db.drop();
      await deleteStreams(nc, ...streams.flatMap((name) => [name, `${name}_COMMANDS`]));
      await nc.close();
    },
  };
}

/**
 * Keys the services under test are started with (tests sign their requests with the bus key). Long enough for any
 * check, and refused in production like every `flotilla-` value.
 */
export const TEST_KEYS = {
  FLOTILLA_BUS_KEY: 'flotilla-test-bus-key-0123456789abcdef',
  FIRMWARE_URL_SIGNING_KEY: 'flotilla-test-signing-key-0123456789abcdef',
  DEVICE_CREDENTIAL_KEY: 'flotilla-test-credential-key-0123456789abcdef',
} as const;
