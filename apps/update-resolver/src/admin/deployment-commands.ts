import { Injectable } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CreateInProductRequest, DeploymentRequest, UpdateDeploymentRequest } from '@flotilla/contracts';
import { DomainError, everyProblem } from '@flotilla/decider';
import { aggregateKey, checkNewSettings, checkSettings, DeploymentCommand } from '@flotilla/update-domain';
import { idempotency } from '@flotilla/event-store';
import { FleetRepositories } from '../fleet/fleet-repositories';
import { DeploymentEntry } from '../fleet/fleet-view';
import { AdminCommand } from './admin-command';
import { deploymentSettings, inner } from './admin-body';
import { FleetQueries } from './fleet-queries';
import { FleetScope } from './fleet-scope';

export class CreateDeploymentCommand extends AdminCommand<CreateInProductRequest> {}

export class UpdateDeploymentCommand extends AdminCommand<UpdateDeploymentRequest> {}

export class DeleteDeploymentCommand extends AdminCommand<DeploymentRequest> {}

/** An operator's quarantine: the deployment is offered to no device until it is lifted. */
export class QuarantineDeploymentCommand extends AdminCommand<DeploymentRequest> {}

export class UnquarantineDeploymentCommand extends AdminCommand<DeploymentRequest> {}

@CommandHandler(CreateDeploymentCommand)
export class CreateDeploymentHandler implements ICommandHandler<CreateDeploymentCommand> {
  constructor(
    private readonly scope: FleetScope,
    private readonly repositories: FleetRepositories,
    private readonly queries: FleetQueries,
  ) {}

  async execute({ request: { organizationId, product, body, commandId }, meta }: CreateDeploymentCommand) {
    await this.scope.product(meta, organizationId, product);
    const raw = inner(body, 'deployment');
    const name = raw.name as string;
    const settings = deploymentSettings(raw);
    const firmwareCheck = await this.scope.firmwareCheck(organizationId, product, settings);
    everyProblem(
      () => {
        if (typeof name !== 'string' || !name.trim() || name.length > 255)
          throw DomainError.invalid(['name must be 1 to 255 characters']);
        this.scope.checkRoomForDeployment(organizationId, product, name);
      },
      firmwareCheck,
      () => checkNewSettings(settings),
    );
    const deploymentId = aggregateKey(organizationId, product, name);
    const command: DeploymentCommand = {
      type: 'CreateDeployment',
      deploymentId,
      organizationId,
      product,
      name,
      settings,
    };
    await this.scope.settled(
      await this.repositories.deployments.execute(deploymentId, command, {
        metadata: meta,
        ...idempotency(`create-deployment:${organizationId}`, commandId, { product, body }),
      }),
    );
    return this.queries.deployment(meta, organizationId, product, name);
  }
}

type ChangeCommand =
  UpdateDeploymentCommand | DeleteDeploymentCommand | QuarantineDeploymentCommand | UnquarantineDeploymentCommand;

/** Changes an existing deployment by the command `commandFor` makes of the request; answers the deployment after. */
@Injectable() // gives the subclasses its constructor's parameter types
abstract class DeploymentChangeHandler<C extends ChangeCommand> {
  constructor(
    protected readonly scope: FleetScope,
    private readonly repositories: FleetRepositories,
    private readonly queries: FleetQueries,
  ) {}

  protected abstract commandFor(
    request: C['request'],
    deployment: DeploymentEntry,
  ): DeploymentCommand | Promise<DeploymentCommand>;

  async execute({ request, meta }: C): Promise<unknown> {
    const { organizationId, product, name } = request;
    const deployment = await this.scope.deployment(meta, organizationId, product, name);
    const command = await this.commandFor(request, deployment);
    await this.scope.settled(
      await this.repositories.deployments.execute(deployment.deploymentId, command, { metadata: meta }),
    );
    return command.type === 'DeleteDeployment'
      ? { deleted: true }
      : this.queries.deployment(meta, organizationId, product, name);
  }
}

@CommandHandler(UpdateDeploymentCommand)
export class UpdateDeploymentHandler extends DeploymentChangeHandler<UpdateDeploymentCommand> {
  protected async commandFor(
    { organizationId, product, body }: UpdateDeploymentRequest,
    deployment: DeploymentEntry,
  ): Promise<DeploymentCommand> {
    const settings = deploymentSettings(inner(body, 'deployment'));
    const firmwareCheck = await this.scope.firmwareCheck(organizationId, product, settings);
    everyProblem(firmwareCheck, () => checkSettings(settings, deployment));
    return { type: 'UpdateDeployment', settings };
  }
}

@CommandHandler(DeleteDeploymentCommand)
export class DeleteDeploymentHandler extends DeploymentChangeHandler<DeleteDeploymentCommand> {
  protected commandFor(): DeploymentCommand {
    return { type: 'DeleteDeployment' };
  }
}

@CommandHandler(QuarantineDeploymentCommand)
export class QuarantineDeploymentHandler extends DeploymentChangeHandler<QuarantineDeploymentCommand> {
  protected commandFor(): DeploymentCommand {
    return { type: 'QuarantineDeployment', reason: 'operator' };
  }
}

@CommandHandler(UnquarantineDeploymentCommand)
export class UnquarantineDeploymentHandler extends DeploymentChangeHandler<UnquarantineDeploymentCommand> {
  protected commandFor(): DeploymentCommand {
    return { type: 'UnquarantineDeployment' };
  }
}

export const deploymentCommandHandlers = [
  CreateDeploymentHandler,
  UpdateDeploymentHandler,
  DeleteDeploymentHandler,
  QuarantineDeploymentHandler,
  UnquarantineDeploymentHandler,
];
