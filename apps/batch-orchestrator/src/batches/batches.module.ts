import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { TenancyModule } from '../tenancy/tenancy.module';
import { BatchMessagesController } from './batch-messages.controller';
import { GetBatchHandler, GetDeviceHandler, ListBatchesHandler, ListDevicesHandler } from './batch-queries';
import { batchRepositoryProviders } from './batch-repositories';
import { CreateBatchesHandler } from './create-batches';
import { CreateBatchesRoute } from './create-batches.route';
import { CreateDeviceHandler } from './create-device';
import { DeleteBatchHandler } from './delete-batch';
import { DeleteDeviceHandler } from './delete-device';
import { UpdateDeviceHandler } from './update-device';

@Module({
  imports: [CatalogModule, TenancyModule],
  controllers: [BatchMessagesController],
  providers: [
    ...batchRepositoryProviders,
    CreateBatchesHandler,
    CreateBatchesRoute,
    CreateDeviceHandler,
    DeleteBatchHandler,
    DeleteDeviceHandler,
    UpdateDeviceHandler,
    ListBatchesHandler,
    GetBatchHandler,
    ListDevicesHandler,
    GetDeviceHandler,
  ],
  exports: [...batchRepositoryProviders.map((p) => p.provide)],
})
export class BatchesModule {}
