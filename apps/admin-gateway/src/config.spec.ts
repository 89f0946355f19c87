import { ConfigurationError } from '@flotilla/nest-platform';
import { TEST_KEYS, thrownBy } from '@flotilla/testing';
import { configFromEnv } from './config';

describe('the gateway configuration', () => {
  const env = { NATS_URL: 'nats://127.0.0.1:4222', FLOTILLA_ADMIN_TOKEN: 'root-token', ...TEST_KEYS };

  it('lists every bad setting at once, and takes port 0 (any free one)', () => {
    const refused = thrownBy(() =>
      configFromEnv({ ...env, PORT: 'http', GATEWAY_REQUEST_TIMEOUT_MS: '0', GATEWAY_KEEP_ALIVE_MS: '1e3.5' }),
    );
    expect((refused as ConfigurationError).problems).toEqual([
      'PORT must be a whole number from 0 to 65535',
      'GATEWAY_REQUEST_TIMEOUT_MS must be a whole number of at least 1',
      'GATEWAY_KEEP_ALIVE_MS must be a whole number of at least 1',
    ]);
    expect(configFromEnv({ ...env, PORT: '0' }).port).toBe(0);
  });
});
