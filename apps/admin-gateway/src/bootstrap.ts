import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ServiceNames } from '@flotilla/contracts';
import { JsonLogger } from '@flotilla/nest-platform';
import { GatewayModule } from './app.module';
import { GatewayConfig } from './config';
import { TextInputPipe } from './text-input.pipe';

/** The admin REST API; the OpenAPI document is at /openapi.json and its UI at /docs. */
export async function createGateway(
  config: GatewayConfig,
  logger = new JsonLogger(ServiceNames.adminGateway),
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.with(config), {
    logger,
    bodyParser: false,
  });
  app.useBodyParser('json', { limit: config.maxBodyBytes });
  app.useGlobalPipes(new TextInputPipe());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Flotilla admin API')
      .setDescription('Batch deployment and firmware deployments. Authenticate with X-Auth-Token.')
      .addApiKey({ type: 'apiKey', name: 'X-Auth-Token', in: 'header' }, 'token')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json' });
  return app;
}
