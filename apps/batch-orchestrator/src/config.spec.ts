import { randomBytes } from 'node:crypto';
import { ConfigurationError } from '@flotilla/nest-platform';
import { TEST_KEYS, thrownBy } from '@flotilla/testing';
import { configFromEnv } from './config';

describe('the orchestrator configuration', () => {
  const env = { NATS_URL: 'nats://127.0.0.1:4222', DATABASE_URL: 'postgres://127.0.0.1/x', ...TEST_KEYS };

  it('fills an empty catalog with the demo one by default outside production only', () => {
    expect(configFromEnv(env).seedDemoCatalog).toBe(true);
    expect(configFromEnv({ ...env, BATCH_SEED_DEMO_CATALOG: 'false' }).seedDemoCatalog).toBe(false);
    const keys = Object.fromEntries(
      Object.keys(TEST_KEYS).map((name) => [name, randomBytes(32).toString('base64url')]),
    );
    const production = {
      ...env,
      ...keys,
      NATS_USER: 'orchestrator',
      NATS_PASSWORD: keys.FLOTILLA_BUS_KEY,
      FLOTILLA_ENV: 'production',
    };
    expect(configFromEnv(production).seedDemoCatalog).toBe(false);
    expect(configFromEnv({ ...production, BATCH_SEED_DEMO_CATALOG: 'true' }).seedDemoCatalog).toBe(true);
  });

  it('takes an item quantity up to what one settlement commit can name, and refuses more', () => {
    expect(configFromEnv({ ...env, BATCH_MAX_ITEM_QUANTITY: '10000' }).maxItemQuantity).toBe(10_000);
    const refused = thrownBy(() => configFromEnv({ ...env, BATCH_MAX_ITEM_QUANTITY: '20000' }));
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((refused as ConfigurationError).problems).toEqual([
      'BATCH_MAX_ITEM_QUANTITY must be a whole number from 1 to 10000',
    ]);
  });

  it('lists every bad setting at once, of the service and of the orchestrator, and starts with none of them', () => {
    const refused = thrownBy(() =>
      configFromEnv({
        ...env,
        HEALTH_PORT: '70000',
        MIGRATE_ON_START: 'no',
        STREAM_REPLICAS: '0',
        CONSUMER_MAX_ATTEMPTS: 'x',
        CONSUMER_BACKOFF_MS: '1.5',
        BATCH_SEED_DEMO_CATALOG: '1',
        BATCH_WORKER_ACK_WAIT_MS: '0',
        PROVISIONER_DELAY_MS: 'abc',
        PROVISIONER_FAILURE_RATE: '2',
      }),
    );
    expect((refused as ConfigurationError).problems).toEqual([
      'STREAM_REPLICAS must be a whole number of at least 1',
      'HEALTH_PORT must be a whole number from 0 to 65535',
      'MIGRATE_ON_START must be true or false',
      'BATCH_SEED_DEMO_CATALOG must be true or false',
      'PROVISIONER_DELAY_MS must be a whole number of at least 0',
      'PROVISIONER_FAILURE_RATE must be a number from 0 to 1',
      'BATCH_WORKER_ACK_WAIT_MS must be a whole number of at least 1',
      'CONSUMER_MAX_ATTEMPTS must be a whole number of at least 1',
      'CONSUMER_BACKOFF_MS must be a whole number of at least 1',
    ]);
    const given = configFromEnv({
      ...env,
      PROVISIONER_DELAY_MS: '0',
      PROVISIONER_FAILURE_RATE: '0.25',
      HEALTH_PORT: '0',
    });
    expect([given.provisioner, given.healthPort]).toEqual([{ delayMs: 0, failureRate: 0.25 }, 0]);
  });
});
