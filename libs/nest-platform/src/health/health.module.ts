import { DynamicModule, Global, Module } from '@nestjs/common';
import { HealthController, HealthRegistry } from './health';

@Global()
@Module({})
export class HealthModule {
  static forService(service: string): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [{ provide: 'SERVICE_NAME', useValue: service }, HealthRegistry],
      exports: [HealthRegistry],
    };
  }
}
