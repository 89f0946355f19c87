import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ServiceNames } from '@flotilla/contracts';
import { BusModule, HealthModule, loggingModule, serviceConfigModule } from '@flotilla/nest-platform';
import { configFromEnv, RESOLVER_CONFIG, ResolverConfig } from './config';
import { FleetModule } from './fleet/fleet.module';
import { InfrastructureModule } from './infrastructure.module';

@Module({})
export class AppModule {
  /** From the environment, validated (`configFromEnv`); or with a configuration of one's own (tests, tools). */
  static with(config?: ResolverConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        serviceConfigModule(RESOLVER_CONFIG, configFromEnv, config),
        CqrsModule.forRoot(),
        loggingModule(ServiceNames.updateResolver, RESOLVER_CONFIG, { probesOnly: true }),
        HealthModule.forService(ServiceNames.updateResolver),
        BusModule.forService(RESOLVER_CONFIG),
        InfrastructureModule,
        FleetModule,
      ],
    };
  }
}
