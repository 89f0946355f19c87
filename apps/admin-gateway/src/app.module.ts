import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ServiceNames } from '@flotilla/contracts';
import { HealthModule, loggingModule } from '@flotilla/nest-platform';
import { AuthGuard } from './auth/auth.guard';
import { GATEWAY_CONFIG, GatewayConfig } from './config';
import { GatewayHealth } from './gateway-health';
import { HttpErrorFilter } from './http-error.filter';
import { NatsRpcClient } from './nats-rpc.client';
import { TenancyController } from './tenancy/tenancy.controller';
import { BatchesController } from './batches/batches.controller';
import { CatalogController } from './catalog/catalog.controller';
import { DeviceUpdateController } from './firmware/device-update.controller';
import { FleetController } from './firmware/fleet.controller';
import { AuditController } from './audit/audit.controller';

@Module({})
export class GatewayModule {
  static with(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        loggingModule(ServiceNames.adminGateway, config.logLevel),
        HealthModule.forService(ServiceNames.adminGateway),
      ],
      controllers: [
        TenancyController,
        BatchesController,
        CatalogController,
        FleetController,
        DeviceUpdateController,
        AuditController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        NatsRpcClient,
        AuthGuard,
        GatewayHealth,
      ],
    };
  }
}
