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
    const app = await createLoggedApp('test-service', App);
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

  it('have the same shape when start-up fails before the pino logger is up, secrets redacted', async () => {
    // As a connection made while the modules are built (TypeORM's) fails.
    const connect = async () => {
      const logger = new NestLogger('broken');
      logger.warn({ msg: 'about to fail', password: 'pw-1', db: { secret: 's-2' }, attempt: 1 });
      const cyclic: Record<string, unknown> = { msg: 'a cycle' };
      cyclic.self = cyclic;
      logger.log(cyclic);
      throw new Error('no database');
    };
    @Module({ providers: [{ provide: 'CONNECTION', useFactory: connect }] })
    class App {}
    const written: string[] = [];
    const capture = (chunk: unknown) => (written.push(String(chunk)), true);
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      await expect(createLoggedApp('test-service', App)).rejects.toThrow('no database');
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    const lines = written
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(line).toEqual(expect.objectContaining({ service: 'test-service', msg: expect.anything() }));
      expect(['info', 'warn', 'error']).toContain(line.level);
      expect(new Date(line.time).toISOString()).toBe(line.time);
    }
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        context: 'broken',
        msg: 'about to fail',
        password: '[redacted]',
        db: { secret: '[redacted]' },
        attempt: 1,
      }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', context: 'broken', msg: '[object Object]' }));
    expect(written.join('')).not.toMatch(/pw-1|s-2/);
  });

  it('take their level from LOG_LEVEL, and refuse one pino does not know', () => {
    expect(logLevelFromEnv({})).toBe('info');
    expect(logLevelFromEnv({ LOG_LEVEL: 'debug' })).toBe('debug');
    expect(() => logLevelFromEnv({ LOG_LEVEL: 'loud' })).toThrow(ConfigurationError);
  });
});
