import { INestApplication } from '@nestjs/common';
import { ServiceNames } from '@flotilla/contracts';
import { createLoggedApp, DirectResponder, natsRpcServer } from '@flotilla/nest-platform';
import { AppModule } from './app.module';
import { CreateBatchesRoute } from './batches/create-batches.route';
import { CONFIG, OrchestratorConfig } from './config';

/** Builds the service: NATS commands and queries, plus an HTTP port for health and metrics only. */
export async function createOrchestrator(given?: OrchestratorConfig): Promise<INestApplication> {
  const app = await createLoggedApp(ServiceNames.batchOrchestrator, AppModule.with(given));
  const config = app.get<OrchestratorConfig>(CONFIG);
  const direct = { responder: app.get(DirectResponder), routes: [app.get(CreateBatchesRoute)] };
  app.connectMicroservice(natsRpcServer(config.nats, ServiceNames.batchOrchestrator, config.rpcPrefix, direct), {
    inheritAppConfig: true,
  });
  app.enableShutdownHooks();
  // A hybrid app's transport listens without the app's lifecycle hooks: the command and query handlers register at
  // bootstrap, so the app comes up first, or a request arriving in between is answered "no handler".
  await app.init();
  await app.startAllMicroservices();
  return app;
}
