import { Module } from '@nestjs/common';
import { FleetAdmin } from '../admin/fleet-admin';
import { FleetQueries } from '../admin/fleet-queries';
import { ResolveUpdateHandler } from '../device-api/resolve-update';
import { UpdateMessagesController } from '../update-messages.controller';
import { BatchFleetWiring } from './batch-fleet-wiring';
import { DeploymentRulesProcessManager } from './deployment-rules.process-manager';
import { FleetRepositories } from './fleet-repositories';
import { FleetView } from './fleet-view';

@Module({
  controllers: [UpdateMessagesController],
  providers: [FleetView, FleetRepositories, FleetAdmin, FleetQueries, ResolveUpdateHandler, BatchFleetWiring, DeploymentRulesProcessManager],
})
export class FleetModule {}
