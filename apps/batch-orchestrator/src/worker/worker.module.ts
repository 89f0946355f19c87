import { Module } from '@nestjs/common';
import { BatchesModule } from '../batches/batches.module';
import { CatalogModule } from '../catalog/catalog.module';
import { CONFIG, OrchestratorConfig } from '../config';
import { BatchWorkflowHost } from './batch-workflow.host';
import { DeviceTerminator } from './device-terminator';
import { Provisioner, SimulatedProvisioner } from './provisioner';

@Module({
  imports: [CatalogModule, BatchesModule],
  providers: [
    BatchWorkflowHost,
    DeviceTerminator,
    {
      provide: Provisioner,
      inject: [CONFIG],
      useFactory: (config: OrchestratorConfig) => new SimulatedProvisioner(config.provisioner),
    },
  ],
})
export class WorkerModule {}
