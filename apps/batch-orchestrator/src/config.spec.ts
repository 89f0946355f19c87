import { ConfigurationError } from '@flotilla/nest-platform';
import { TEST_KEYS } from '@flotilla/testing';
import { configFromEnv } from './config';

describe('the orchestrator configuration', () => {
  const env = { NATS_URL: 'nats://127.0.0.1:4222', DATABASE_URL: 'postgres://127.0.0.1/x', ...TEST_KEYS };

  it('takes an item quantity up to what one settlement commit can name, and refuses more', () => {
    expect(configFromEnv({ ...env, BATCH_MAX_ITEM_QUANTITY: '10000' }).maxItemQuantity).toBe(10_000);
    const refused = (() => {
      try {
        return configFromEnv({ ...env, BATCH_MAX_ITEM_QUANTITY: '20000' });
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((refused as ConfigurationError).problems).toEqual([
      'BATCH_MAX_ITEM_QUANTITY must be a whole number from 1 to 10000',
    ]);
  });
});
