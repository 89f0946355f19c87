import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ServiceNames } from '@flotilla/contracts';
import { JsonLogger, natsRpcServer } from '@flotilla/nest-platform';
import { AppModule } from './app.module';
import { ResolverConfig } from './config';

export async function createResolver(config: ResolverConfig, logger = new JsonLogger(ServiceNames.updateResolver)): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.with(config), { logger });
  app.connectMicroservice(natsRpcServer(config.natsUrl, ServiceNames.updateResolver), { inheritAppConfig: true });
  app.enableShutdownHooks();
  await app.startAllMicroservices();
  return app;
}
