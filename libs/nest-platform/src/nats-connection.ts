import { readFileSync } from 'node:fs';
import { connect, ConnectionOptions, credsAuthenticator, Events, NatsConnection } from 'nats';
import { ConfigurationError, isProduction } from './secrets';

/** How to reach and log in to NATS (README: Configuration). */
export interface NatsSettings {
  servers: string;
  /** A `.creds` file (user JWT and seed), as `nsc` and NATS operators hand them out. */
  credsFile?: string;
  user?: string;
  password?: string;
  token?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export function natsSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): NatsSettings {
  const tls = { caFile: env.NATS_TLS_CA, certFile: env.NATS_TLS_CERT, keyFile: env.NATS_TLS_KEY };
  const settings: NatsSettings = {
    servers: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    credsFile: env.NATS_CREDS || undefined,
    user: env.NATS_USER || undefined,
    password: env.NATS_PASSWORD || undefined,
    token: env.NATS_TOKEN || undefined,
    tls: Object.values(tls).some(Boolean) ? tls : undefined,
  };
  if (isProduction(env) && !settings.credsFile && !(settings.user && settings.password) && !settings.token) {
    throw new ConfigurationError([
      'NATS credentials are not set (NATS_CREDS, or NATS_USER and NATS_PASSWORD, or NATS_TOKEN)',
    ]);
  }
  return settings;
}

/**
 * Connection options shared by every NATS connection of a service, `name` being the service (and its NATS user). It
 * reconnects for ever: a NATS restart or failover is waited out, never given up on (a closed connection fails
 * liveness). Replies come to an inbox prefix of the service's own (`_INBOX.<name>`), which NATS permissions can give
 * to it alone. Async traces are off: they build an Error and its stack for every request and publish.
 */
export function natsConnectOptions(settings: NatsSettings, name: string): ConnectionOptions {
  return {
    servers: settings.servers.split(','),
    name,
    inboxPrefix: `_INBOX.${name}`,
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    pingInterval: 10_000,
    user: settings.user,
    pass: settings.password,
    token: settings.token,
    authenticator: settings.credsFile ? credsAuthenticator(readFileSync(settings.credsFile)) : undefined,
    tls: settings.tls,
  };
}

export async function connectService(
  settings: NatsSettings,
  name: string,
  /** Keep trying a NATS that is not there yet instead of failing (for a process that can serve without it). */
  { waitForServer = false } = {},
): Promise<NatsConnection> {
  let nc: NatsConnection;
  try {
    nc = await connect({ ...natsConnectOptions(settings, name), waitOnFirstConnect: waitForServer });
  } catch (err) {
    // nats.js says only CONNECTION_REFUSED or the like; the code is kept for whoever tells transient failures apart.
    const { code, message } = err as { code?: string; message: string };
    throw Object.assign(new Error(`cannot reach NATS at ${withoutCredentials(settings.servers)}: ${message}`), {
      code,
      cause: err,
    });
  }
  watchConnection(nc);
  return nc;
}

/** Server URLs as they may be shown: a password written into one (`nats://user:secret@host`) left out. */
export const withoutCredentials = (servers: string) => servers.replace(/\/\/[^/@,]*@/g, '//');

/** Connections of `connectService` between a disconnect and the reconnect that ends it. */
const away = new WeakSet<NatsConnection>();

function watchConnection(nc: NatsConnection): void {
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) away.add(nc);
      else if (status.type === Events.Reconnect) away.delete(nc);
    }
  })();
}

/**
 * Whether a service's connection is up now: what readiness asks. A connection reconnecting (NATS restarting, a node
 * of a cluster gone) is alive but cannot serve; only a closed one fails liveness.
 */
export function isConnectedNow(nc: NatsConnection): boolean {
  return !nc.isClosed() && !away.has(nc);
}
