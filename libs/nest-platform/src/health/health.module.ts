import { DynamicModule, Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController, HealthRegistry } from './health';

@Global()
@Module({})
export class HealthModule {
  static forService(service: string): DynamicModule {
    return {
      module: HealthModule,
      // Failing checks are reported in the answer and, where they matter, logged by their owners.
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [{ provide: 'SERVICE_NAME', useValue: service }, HealthRegistry],
      exports: [HealthRegistry],
    };
  }
}
