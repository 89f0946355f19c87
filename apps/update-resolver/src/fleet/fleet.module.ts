import { Module } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { BatchEventVersions } from '@flotilla/contracts';
import { EventStore } from '@flotilla/event-store';
import { FleetAdmin } from '../admin/fleet-admin';
import { FleetQueries } from '../admin/fleet-queries';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { ResolveUpdateHandler } from '../device-api/resolve-update';
import { NATS_CONNECTION } from '../infrastructure.module';
import { UpdateMessagesController } from '../update-messages.controller';
import { BATCH_EVENT_STORE, BatchFleetWiring } from './batch-fleet-wiring';
import { DeploymentGuard } from './deployment-guard';
import { FleetRepositories } from './fleet-repositories';
import { FleetView } from './fleet-view';

@Module({
  controllers: [UpdateMessagesController],
  providers: [
    FleetView,
    FleetRepositories,
    DeploymentGuard,
    FleetAdmin,
    FleetQueries,
    ResolveUpdateHandler,
    BatchFleetWiring,
    {
      provide: BATCH_EVENT_STORE,
      inject: [NATS_CONNECTION, RESOLVER_CONFIG],
      useFactory: (nc: NatsConnection, config: ResolverConfig) =>
        EventStore.open(nc, { stream: config.batchStream, subjectPrefix: config.batchSubjectPrefix, schemaVersions: BatchEventVersions }),
    },
  ],
})
export class FleetModule {}
