import { Module } from '@nestjs/common';
import { FleetAdmin } from '../admin/fleet-admin';
import { FleetQueries } from '../admin/fleet-queries';
import { ResolveUpdateHandler } from '../device-api/resolve-update';
import { UpdateMessagesController } from '../update-messages.controller';
import { DeploymentRulesWorkflowHost } from './deployment-rules-workflow.host';
import { FleetRepositories } from './fleet-repositories';
import { FleetView } from './fleet-view';
import { FleetWiringWorkflowHost } from './fleet-wiring-workflow.host';

@Module({
  controllers: [UpdateMessagesController],
  providers: [FleetView, FleetRepositories, FleetAdmin, FleetQueries, ResolveUpdateHandler, FleetWiringWorkflowHost, DeploymentRulesWorkflowHost],
})
export class FleetModule {}
