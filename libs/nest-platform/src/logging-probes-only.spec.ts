import { Controller, Get, Logger as NestLogger, Module } from '@nestjs/common';
import { createLoggedApp, loggingModule } from './logging';
import { serviceConfigModule } from './config-module';
import { logLines } from './test-fixtures/log-lines';

// A file of its own: nestjs-pino keeps one root logger per module registry, so each app under test needs a fresh one.
describe('logs', () => {
  it('of a service that serves only probes over HTTP still go through pino, with no request middleware', async () => {
    const { stream, lines } = logLines();
    @Controller()
    class Probe {
      private readonly logger = new NestLogger('probe');
      @Get('health')
      health() {
        this.logger.log({ msg: 'probed' });
        return {};
      }
    }
    const CONFIG = Symbol('config');
    @Module({
      imports: [
        serviceConfigModule(CONFIG, () => ({}), { logLevel: 'info' }),
        loggingModule('test-service', CONFIG, { stream, probesOnly: true }),
      ],
      controllers: [Probe],
    })
    class App {}
    const app = await createLoggedApp('test-service', App);
    await app.listen(0, '127.0.0.1');
    expect((await fetch(`${await app.getUrl()}/health`)).status).toBe(200);
    await app.close();

    const logged = lines.map((l) => JSON.parse(l));
    expect(logged.find((l) => l.msg === 'probed')).toMatchObject({ service: 'test-service', context: 'probe' });
    // The middleware binds a request's logger (req.id) to what the handler logs; without it there is none to bind.
    expect(logged.find((l) => l.msg === 'probed').req).toBeUndefined();
  });
});
