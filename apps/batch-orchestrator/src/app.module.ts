import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ServiceNames } from '@flotilla/contracts';
import { BusModule, HealthModule, loggingModule } from '@flotilla/nest-platform';
import { CONFIG, OrchestratorConfig } from './config';
import { InfrastructureModule } from './infrastructure/infrastructure.module';
import { TenancyModule } from './tenancy/tenancy.module';
import { CatalogModule } from './catalog/catalog.module';
import { BatchesModule } from './batches/batches.module';
import { WorkerModule } from './worker/worker.module';
import { AuditMessagesController } from './audit/audit-messages.controller';

@Module({})
export class AppModule {
  static with(config: OrchestratorConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        CqrsModule.forRoot(),
        loggingModule(ServiceNames.batchOrchestrator, config.logLevel),
        HealthModule.forService(ServiceNames.batchOrchestrator),
        BusModule.forService(config.bus),
        InfrastructureModule,
        TenancyModule,
        CatalogModule,
        BatchesModule,
        WorkerModule,
      ],
      controllers: [AuditMessagesController],
      providers: [{ provide: CONFIG, useValue: config }],
      exports: [CONFIG],
    };
  }
}
