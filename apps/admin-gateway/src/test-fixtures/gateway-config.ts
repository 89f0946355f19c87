import { TEST_KEYS } from '@flotilla/testing';
import { GatewayConfig } from '../config';

/** A gateway of a test's own on `port`, whose NATS is expected on `natsPort` (started there later, or never). */
export const testGatewayConfig = (port: number, natsPort: number, keepAliveMs = 65_000): GatewayConfig => ({
  nats: { servers: `nats://127.0.0.1:${natsPort}` },
  rpcPrefix: 'nowhere',
  logLevel: 'error',
  busKey: TEST_KEYS.FLOTILLA_BUS_KEY,
  port,
  adminToken: 'a'.repeat(40),
  requestTimeoutMs: 2_000,
  maxBodyBytes: 512 * 1024,
  keepAliveMs,
});
