import { Controller, Get, Logger as NestLogger, Module } from '@nestjs/common';
import { createLoggedApp, loggingModule, logLevelFromEnv } from './logging';
import { ConfigurationError } from './secrets';
import { serviceConfigModule } from './config-module';
import { logLines } from './test-fixtures/log-lines';

describe('logs', () => {
  it('are JSON lines with time, level, service and msg, secrets redacted wherever they sit', async () => {
    const { stream, lines } = logLines();
    @Controller()
    class Noisy {
      private readonly logger = new NestLogger('noisy');
      @Get('x')
      x() {
        this.logger.log({ msg: 'issued', token: 'flt_abc', key: { credential: 'dev_123' }, batchId: 'b1' });
        this.logger.debug('not at info');
        return {};
      }
    }
    const CONFIG = Symbol('config');
    @Module({
      imports: [
        serviceConfigModule(CONFIG, () => ({}), { logLevel: 'info' }),
        loggingModule('test-service', CONFIG, { stream }),
      ],
      controllers: [Noisy],
    })
    class App {}
    const app = await createLoggedApp(App);
    await app.listen(0, '127.0.0.1');
    await fetch(`${await app.getUrl()}/x`, { headers: { 'x-auth-token': 'root-secret', authorization: 'Bearer s3' } });
    await app.close();

    const text = lines.join('\n');
    for (const secret of ['flt_abc', 'dev_123', 'root-secret', 's3']) expect(text).not.toContain(secret);
    const issued = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'issued');
    expect(issued).toMatchObject({
      level: 'info',
      service: 'test-service',
      context: 'noisy',
      token: '[redacted]',
      key: { credential: '[redacted]' },
      batchId: 'b1',
    });
    expect(new Date(issued.time).toISOString()).toBe(issued.time);
    expect(text).not.toContain('not at info');
    const request = lines.map((l) => JSON.parse(l)).find((l) => l.req);
    expect(request.req.headers).toMatchObject({ 'x-auth-token': '[redacted]', authorization: '[redacted]' });
  });

  it('take their level from LOG_LEVEL, and refuse one pino does not know', () => {
    expect(logLevelFromEnv({})).toBe('info');
    expect(logLevelFromEnv({ LOG_LEVEL: 'debug' })).toBe('debug');
    expect(() => logLevelFromEnv({ LOG_LEVEL: 'loud' })).toThrow(ConfigurationError);
  });
});
