import { Inject, Module } from '@nestjs/common';
import { ProjectionRunner } from '@flotilla/projections';
import { DataSource } from 'typeorm';
import { deploymentCommandHandlers } from '../admin/deployment-commands';
import { deviceCommandHandlers } from '../admin/device-commands';
import { CreateFirmwareHandler } from '../admin/firmware-commands';
import { FleetQueries } from '../admin/fleet-queries';
import { FleetScope } from '../admin/fleet-scope';
import { OrganizationDirectory } from '../admin/organization-directory';
import { CreateProductHandler } from '../admin/product-commands';
import { ResolveUpdateHandler } from '../device-api/resolve-update';
import { ResolveManyRoute } from '../device-api/resolve-many.route';
import { ResolveUpdateRoute } from '../device-api/resolve-update.route';
import { UpdateMessagesController } from '../update-messages.controller';
import { AuditMessagesController } from '../admin/audit-messages.controller';
import { DeploymentRulesWorkflowHost } from './deployment-rules-workflow.host';
import { FleetRepositories } from './fleet-repositories';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { FleetSnapshotStore } from './fleet-snapshot-store';
import { FleetSnapshotter } from './fleet-snapshotter';
import { FleetView } from './fleet-view';
import { FleetWiringWorkflowHost } from './fleet-wiring-workflow.host';
import { UPDATE_PROJECTION } from '../infrastructure.module';

@Module({
  controllers: [UpdateMessagesController, AuditMessagesController],
  providers: [
    FleetView,
    {
      provide: FleetSnapshotStore,
      inject: [DataSource, RESOLVER_CONFIG],
      useFactory: (dataSource: DataSource, config: ResolverConfig) =>
        new FleetSnapshotStore(dataSource, config.databaseSchema),
    },
    FleetSnapshotter,
    FleetRepositories,
    OrganizationDirectory,
    FleetScope,
    FleetQueries,
    CreateProductHandler,
    CreateFirmwareHandler,
    ...deploymentCommandHandlers,
    ...deviceCommandHandlers,
    ResolveUpdateHandler,
    ResolveUpdateRoute,
    ResolveManyRoute,
    FleetWiringWorkflowHost,
    DeploymentRulesWorkflowHost,
  ],
})
export class FleetModule {
  /**
   * The read model takes the fleet view's deliveries of the log while level with them: each commit is delivered to
   * the process once, not once for each (docs/performance.md).
   */
  constructor(view: FleetView, @Inject(UPDATE_PROJECTION) projection: ProjectionRunner) {
    projection.follow(view.consumer);
  }
}
