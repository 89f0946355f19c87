import { exited, startServiceProcess } from '@flotilla/testing';

/** Every app, started in production mode with secrets that will not do, must refuse to start and say why. */
describe('production start-up (e2e)', () => {
  const weak = 'weak-secret-value';
  const production = {
    FLOTILLA_ENV: 'production',
    NATS_URL: process.env.NATS_URL as string,
    DATABASE_URL: process.env.DATABASE_URL as string,
    FLOTILLA_BUS_KEY: weak,
    FIRMWARE_URL_SIGNING_KEY: 'flotilla-development-signing-key',
    DEVICE_CREDENTIAL_KEY: '',
    FLOTILLA_ADMIN_TOKEN: 'change-me',
    HEALTH_PORT: '0',
    PORT: '0',
    LOG_LEVEL: 'loud',
    RPC_SUBJECT_PREFIX: 'not a prefix',
  };

  const bus = 'FLOTILLA_BUS_KEY is shorter than 32 bytes';
  const nats = 'NATS credentials are not set';
  // Variables that are bad whatever the environment: read and validated by @nestjs/config as well.
  const logLevel = 'LOG_LEVEL must be one of';
  const prefix = 'RPC_SUBJECT_PREFIX must be NATS tokens';
  it.each([
    ['batch-orchestrator', [nats, bus, logLevel, prefix]],
    [
      'update-resolver',
      [
        nats,
        bus,
        logLevel,
        prefix,
        'FIRMWARE_URL_SIGNING_KEY is a development value',
        'DEVICE_CREDENTIAL_KEY is not set',
      ],
    ],
    ['admin-gateway', [nats, bus, logLevel, prefix, 'FLOTILLA_ADMIN_TOKEN is a development value']],
  ])('%s refuses to start, saying every reason, without writing the secret', async (app, problems) => {
    const service = startServiceProcess(`apps/${app}/src/main.ts`, production);
    await expect(exited(service)).rejects.toThrow(/^exited with 1:/);
    for (const problem of problems) expect(service.output()).toContain(problem);
    expect(service.output()).toContain('refusing to start');
    expect(service.output()).not.toContain(weak);
  });
});
