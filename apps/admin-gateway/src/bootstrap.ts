import type { Server } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ServiceNames } from '@flotilla/contracts';
import { createLoggedApp } from '@flotilla/nest-platform';
import { GatewayModule } from './app.module';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { TextInputPipe } from './text-input.pipe';
import { acceptJsonBodies } from './json-bodies';
import { ApiSchemas } from './openapi/api-schemas';
import { documentHealthRoutes } from './openapi/health-doc';
import { DEVICE_UPDATE_PATH, deviceUpdateOperation, serveDeviceUpdates } from './firmware/device-update.route';
import { measureHttpRequests } from './http-metrics';
import { tagRequests } from './tag-requests';
import { closeConnectionsOnStop } from './close-on-stop';

/** The admin REST API; the OpenAPI document is at /openapi.json and its UI at /docs. */
export async function createGateway(given?: GatewayConfig): Promise<INestApplication> {
  const app = await createLoggedApp<NestExpressApplication>(ServiceNames.adminGateway, GatewayModule.with(given), {
    bodyParser: false,
  });
  // Nothing in an answer names the framework behind it.
  app.disable('x-powered-by');
  const config = app.get<GatewayConfig>(GATEWAY_CONFIG);
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = config.keepAliveMs;
  // Longer still: a connection kept alive must not be cut while the next request's headers arrive on it.
  server.headersTimeout = config.keepAliveMs + 1_000;
  // Ahead of Express, each in front of the one before: every answer counted, then tagged, device checks answered;
  // outermost, what a stop does to the connection each answer leaves on.
  serveDeviceUpdates(app);
  tagRequests(app);
  measureHttpRequests(app);
  closeConnectionsOnStop(app);
  acceptJsonBodies(app, config.maxBodyBytes);
  app.useGlobalPipes(new TextInputPipe());
  app.enableShutdownHooks();
  SwaggerModule.setup('docs', app, apiDocument(app), { jsonDocumentUrl: 'openapi.json' });
  return app;
}

/**
 * The OpenAPI 3.1 document of every route: admin calls with X-Auth-Token, the device API with the device's
 * credential, health and metrics open; bodies and answers from `openapi/api-schemas.ts`.
 */
function apiDocument(app: INestApplication): OpenAPIObject {
  documentHealthRoutes();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setOpenAPIVersion('3.1.0')
      .setTitle('Flotilla admin API')
      .setDescription('Batch deployment and firmware deployments. Authenticate with X-Auth-Token.')
      .setVersion('0.1.0')
      .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
      .addServer('/')
      .addApiKey({ type: 'apiKey', name: 'X-Auth-Token', in: 'header' }, 'token')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: "the device's credential" }, 'device')
      .addSecurityRequirements('token')
      .build(),
  );
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...ApiSchemas } };
  for (const path of ['/health/live', '/health/ready', '/metrics']) document.paths[path].get!.security = [];
  document.components.headers = {
    RequestId: {
      description: "The request id: the caller's own X-Request-Id (1–128 visible ASCII characters), else a new one",
      schema: { type: 'string' },
    },
  };
  // Added by hand: a device check is answered ahead of Express, so Nest does not see its route.
  document.paths[DEVICE_UPDATE_PATH] = { get: deviceUpdateOperation as OpenAPIObject['paths'][string]['get'] };
  for (const item of Object.values(document.paths))
    for (const operation of Object.values(item) as { responses?: Record<string, { headers?: object }> }[])
      for (const response of Object.values(operation.responses ?? {}))
        response.headers = { ...response.headers, 'X-Request-Id': { $ref: '#/components/headers/RequestId' } };
  return document;
}
