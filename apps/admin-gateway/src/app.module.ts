import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ServiceNames } from '@flotilla/contracts';
import { HealthModule, loggingModule, serviceConfigModule } from '@flotilla/nest-platform';
import { AuthGuard } from './auth/auth.guard';
import { Authenticator } from './auth/authenticator';
import { configFromEnv, GATEWAY_CONFIG, GatewayConfig } from './config';
import { GatewayHealth } from './gateway-health';
import { HttpErrorFilter } from './http-error.filter';
import { NatsRpcClient } from './nats-rpc.client';
import { TenancyController } from './tenancy/tenancy.controller';
import { BatchesController } from './batches/batches.controller';
import { CatalogController } from './catalog/catalog.controller';
import { FleetController } from './firmware/fleet.controller';
import { AuditController } from './audit/audit.controller';

@Module({})
export class GatewayModule {
  /** From the environment, validated (`configFromEnv`); or with a configuration of one's own (tests). */
  static with(config?: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        serviceConfigModule(GATEWAY_CONFIG, configFromEnv, config),
        loggingModule(ServiceNames.adminGateway, GATEWAY_CONFIG),
        HealthModule.forService(ServiceNames.adminGateway),
      ],
      controllers: [TenancyController, BatchesController, CatalogController, FleetController, AuditController],
      providers: [
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        NatsRpcClient,
        Authenticator,
        AuthGuard,
        GatewayHealth,
      ],
    };
  }
}
