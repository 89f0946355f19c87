import { DynamicModule, Global, InjectionToken, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { BusMetrics } from './bus-metrics.interceptor';
import { BusTrust, BusTrustSettings } from './bus-trust';
import { DirectResponder } from './direct-route';
import { PrincipalGuard } from './principal.guard';

/** Makes every command and query of a service verify its principal first (platform.md §4b), and counts them. */
@Global()
@Module({})
export class BusModule {
  /** `config` is the token of the app's configuration, whose `bus` says whom to trust. */
  static forService(config: InjectionToken): DynamicModule {
    return {
      module: BusModule,
      providers: [
        { provide: BusTrust, inject: [config], useFactory: ({ bus }: { bus: BusTrustSettings }) => new BusTrust(bus) },
        { provide: APP_GUARD, useClass: PrincipalGuard },
        BusMetrics,
        { provide: APP_INTERCEPTOR, useExisting: BusMetrics },
        DirectResponder,
      ],
      exports: [BusTrust, DirectResponder],
    };
  }
}
