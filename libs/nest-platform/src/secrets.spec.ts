import { thrownBy } from '@flotilla/testing';
import { configuration, ConfigurationError, readSecrets, secretProblem } from './secrets';

describe('secrets', () => {
  const strong = 'k'.repeat(24) + 'Zq9-strong-enough';

  it('in production, refuses a missing, short or development secret, listing every problem and no value', () => {
    const env = {
      FLOTILLA_ENV: 'production',
      FLOTILLA_BUS_KEY: 'tiny',
      FIRMWARE_URL_SIGNING_KEY: 'flotilla-development-signing-key',
      DEVICE_CREDENTIAL_KEY: '',
    };
    const error = thrownBy(() =>
      readSecrets(['FLOTILLA_BUS_KEY', 'FIRMWARE_URL_SIGNING_KEY', 'DEVICE_CREDENTIAL_KEY'], env),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).problems).toEqual([
      'FLOTILLA_BUS_KEY is shorter than 32 bytes',
      'FIRMWARE_URL_SIGNING_KEY is a development value',
      'DEVICE_CREDENTIAL_KEY is not set',
    ]);
    expect((error as Error).message).not.toContain('tiny');
    expect(secretProblem('X', 'change-me')).toBe('X is a development value');
  });

  it('in production, takes strong secrets as they are', () => {
    expect(readSecrets(['FLOTILLA_BUS_KEY'], { FLOTILLA_ENV: 'production', FLOTILLA_BUS_KEY: strong })).toEqual({
      FLOTILLA_BUS_KEY: strong,
    });
  });

  it('elsewhere, falls back to the development value of a missing one, saying so on stderr', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(readSecrets(['FLOTILLA_BUS_KEY'], {})).toEqual({ FLOTILLA_BUS_KEY: 'flotilla-development-bus-key' });
      expect(String(write.mock.calls[0][0])).toMatch(/FLOTILLA_BUS_KEY is not set: using its development value/);
    } finally {
      write.mockRestore();
    }
  });

  it('refuses an environment it does not know (a misspelt production), holding secrets to production meanwhile', () => {
    const env = { FLOTILLA_ENV: 'Production', FIRMWARE_URL_SIGNING_KEY: strong };
    const error = thrownBy(() =>
      configuration({
        bus: () => readSecrets(['FLOTILLA_BUS_KEY'], env),
        urls: () => readSecrets(['FIRMWARE_URL_SIGNING_KEY'], env),
      }),
    );
    expect((error as ConfigurationError).problems).toEqual([
      'FLOTILLA_ENV must be production or development (unset: development)',
      'FLOTILLA_BUS_KEY is not set',
    ]);
    expect(readSecrets(['FLOTILLA_BUS_KEY'], { FLOTILLA_ENV: 'development', FLOTILLA_BUS_KEY: 'dev' })).toEqual({
      FLOTILLA_BUS_KEY: 'dev',
    });
  });
});
