import { Module } from '@nestjs/common';
import { ChangeCatalogHandler, SetCapacityHandler } from './catalog-commands';
import { CatalogMessagesController } from './catalog-messages.controller';
import { CheckCapacityHandler, GetCapacityHandler, GetSpotPricesHandler, ListCatalogHandler } from './catalog-queries';
import { CapacityRepositories, CatalogRepository } from './catalog-repositories';
import { CatalogSeeder } from './catalog-seeder';

@Module({
  controllers: [CatalogMessagesController],
  providers: [
    CatalogRepository,
    CapacityRepositories,
    CatalogSeeder,
    ChangeCatalogHandler,
    SetCapacityHandler,
    ListCatalogHandler,
    GetCapacityHandler,
    CheckCapacityHandler,
    GetSpotPricesHandler,
  ],
  exports: [CatalogRepository, CapacityRepositories],
})
export class CatalogModule {}
