import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  configuration,
  ConfigurationError,
  isProduction,
  NatsSettings,
  natsSettingsFromEnv,
  portNumber,
  readSecrets,
  LogLevel,
  logLevelFromEnv,
  rpcPrefixFromEnv,
  secretProblem,
  wholeNumber,
} from '@flotilla/nest-platform';

export interface GatewayConfig {
  nats: NatsSettings;
  /** Prefix of the command and query subjects (RPC_SUBJECT_PREFIX). */
  rpcPrefix: string;
  logLevel: LogLevel;
  /** Signs the principal of every request the gateway sends on the bus. */
  busKey: string;
  port: number;
  /** The root token: platform administration (creating organizations). */
  adminToken: string;
  requestTimeoutMs: number;
  /** Request bodies larger than this are refused with 413 (they could not cross the bus anyway). */
  maxBodyBytes: number;
  /**
   * How long an idle keep-alive connection stays open. Longer than the load balancer's in front of it keeps one (60 s
   * for most), so that it never sends a request down a connection the gateway has just closed: Node's own 5 s would
   * answer a share of requests with the balancer's 502.
   */
  keepAliveMs: number;
}

/**
 * FLOTILLA_ADMIN_TOKEN; outside production, one generated at first start and kept (mode 0600) under FLOTILLA_DATA_DIR,
 * where it is read from: only the file is named, since whatever the process writes may end up in a log. In production
 * it must be set and strong.
 */
export function resolveAdminToken(env: NodeJS.ProcessEnv = process.env): string {
  if (isProduction(env)) {
    const problem = secretProblem('FLOTILLA_ADMIN_TOKEN', env.FLOTILLA_ADMIN_TOKEN);
    if (problem) throw new ConfigurationError([problem]);
  }
  if (env.FLOTILLA_ADMIN_TOKEN) return env.FLOTILLA_ADMIN_TOKEN;
  const file = path.join(env.FLOTILLA_DATA_DIR ?? path.resolve('.flotilla'), 'admin-token');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const token = `flt_root_${randomBytes(32).toString('base64url')}`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  process.stderr.write(`Generated the root admin token into ${file}\n`);
  return token;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const { keys, ...settings } = configuration({
    logLevel: () => logLevelFromEnv(env),
    nats: () => natsSettingsFromEnv(env),
    rpcPrefix: () => rpcPrefixFromEnv(env),
    keys: () => readSecrets(['FLOTILLA_BUS_KEY'], env),
    adminToken: () => resolveAdminToken(env),
    port: () => portNumber(env, 'PORT', 3000),
    requestTimeoutMs: () => wholeNumber(env, 'GATEWAY_REQUEST_TIMEOUT_MS', 10_000),
    maxBodyBytes: () => wholeNumber(env, 'GATEWAY_MAX_BODY_BYTES', 512 * 1024),
    keepAliveMs: () => wholeNumber(env, 'GATEWAY_KEEP_ALIVE_MS', 65_000),
  });
  return { busKey: keys.FLOTILLA_BUS_KEY, ...settings };
}

export const GATEWAY_CONFIG = Symbol('GatewayConfig');
