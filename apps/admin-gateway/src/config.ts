import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface GatewayConfig {
  natsUrl: string;
  port: number;
  /** The root token: platform administration (creating organizations). */
  adminToken: string;
  requestTimeoutMs: number;
}

/**
 * FLOTILLA_ADMIN_TOKEN, or one generated at first start, kept (mode 0600) under FLOTILLA_DATA_DIR and printed
 * once, to the terminal only, never to the logs.
 */
export function resolveAdminToken(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLOTILLA_ADMIN_TOKEN) return env.FLOTILLA_ADMIN_TOKEN;
  const file = path.join(env.FLOTILLA_DATA_DIR ?? path.resolve('.flotilla'), 'admin-token');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const token = `flt_root_${randomBytes(32).toString('base64url')}`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  process.stderr.write(`Generated the root admin token (stored in ${file}):\n  ${token}\n`);
  return token;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return {
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    port: Number(env.PORT ?? 3000),
    adminToken: resolveAdminToken(env),
    requestTimeoutMs: Number(env.GATEWAY_REQUEST_TIMEOUT_MS ?? 10_000),
  };
}

export const GATEWAY_CONFIG = Symbol('GatewayConfig');
