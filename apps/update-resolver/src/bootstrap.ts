import { INestApplication } from '@nestjs/common';
import { ServiceNames } from '@flotilla/contracts';
import { createLoggedApp, DirectResponder, HealthRegistry, natsRpcServer } from '@flotilla/nest-platform';
import { AppModule } from './app.module';
import { RESOLVER_CONFIG, ResolverConfig } from './config';
import { ResolveManyRoute } from './device-api/resolve-many.route';
import { ResolveUpdateRoute } from './device-api/resolve-update.route';
import { FleetView } from './fleet/fleet-view';

/**
 * Builds and starts the service. Its health port listens at once (liveness holds while the fleet view catches up
 * with the log, readiness does not); commands and device checks are taken only once the view has caught up, so
 * a check is never answered from a partial fleet.
 */
export async function createResolver(given?: ResolverConfig): Promise<INestApplication> {
  const app = await createLoggedApp(ServiceNames.updateResolver, AppModule.with(given));
  const config = app.get<ResolverConfig>(RESOLVER_CONFIG);
  const direct = {
    responder: app.get(DirectResponder),
    routes: [app.get(ResolveUpdateRoute), app.get(ResolveManyRoute)],
  };
  app.connectMicroservice(natsRpcServer(config.nats, ServiceNames.updateResolver, config.rpcPrefix, direct), {
    inheritAppConfig: true,
  });
  app.enableShutdownHooks();
  let serving = false;
  app.get(HealthRegistry).register('serving', async () => ({
    ok: serving,
    detail: serving ? 'taking requests' : 'catching up with the log',
  }));
  await app.listen(config.healthPort, '0.0.0.0');
  await app.get(FleetView).caughtUp();
  await app.startAllMicroservices();
  serving = true;
  return app;
}
