import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ServiceNames } from '@flotilla/contracts';
import { BusModule, HealthModule, loggingModule } from '@flotilla/nest-platform';
import { RESOLVER_CONFIG, ResolverConfig } from './config';
import { FleetModule } from './fleet/fleet.module';
import { InfrastructureModule } from './infrastructure.module';

@Module({})
export class AppModule {
  static with(config: ResolverConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        CqrsModule.forRoot(),
        loggingModule(ServiceNames.updateResolver, config.logLevel),
        HealthModule.forService(ServiceNames.updateResolver),
        BusModule.forService(config.bus),
        InfrastructureModule,
        FleetModule,
      ],
      providers: [{ provide: RESOLVER_CONFIG, useValue: config }],
      exports: [RESOLVER_CONFIG],
    };
  }
}
