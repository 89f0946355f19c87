import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ServiceNames } from '@flotilla/contracts';
import { JsonLogger, natsRpcServer } from '@flotilla/nest-platform';
import { AppModule } from './app.module';
import { OrchestratorConfig } from './config';

/** Builds the service: NATS commands and queries, plus an HTTP port for health and metrics only. */
export async function createOrchestrator(
  config: OrchestratorConfig,
  logger = new JsonLogger(ServiceNames.batchOrchestrator),
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.with(config), { logger });
  app.connectMicroservice(natsRpcServer(config.nats, ServiceNames.batchOrchestrator, config.rpcPrefix), {
    inheritAppConfig: true,
  });
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  return app;
}
