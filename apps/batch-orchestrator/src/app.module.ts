import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ServiceNames } from '@flotilla/contracts';
import { BusModule, HealthModule, loggingModule, serviceConfigModule } from '@flotilla/nest-platform';
import { CONFIG, configFromEnv, OrchestratorConfig } from './config';
import { InfrastructureModule } from './infrastructure/infrastructure.module';
import { TenancyModule } from './tenancy/tenancy.module';
import { CatalogModule } from './catalog/catalog.module';
import { BatchesModule } from './batches/batches.module';
import { WorkerModule } from './worker/worker.module';
import { AuditMessagesController } from './audit/audit-messages.controller';

@Module({})
export class AppModule {
  /** From the environment, validated (`configFromEnv`); or with a configuration of one's own (tests, tools). */
  static with(config?: OrchestratorConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        serviceConfigModule(CONFIG, configFromEnv, config),
        CqrsModule.forRoot(),
        loggingModule(ServiceNames.batchOrchestrator, CONFIG, { probesOnly: true }),
        HealthModule.forService(ServiceNames.batchOrchestrator),
        BusModule.forService(CONFIG),
        InfrastructureModule,
        TenancyModule,
        CatalogModule,
        BatchesModule,
        WorkerModule,
      ],
      controllers: [AuditMessagesController],
    };
  }
}
