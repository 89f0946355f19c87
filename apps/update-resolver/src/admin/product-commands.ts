import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CreateProductRequest } from '@flotilla/contracts';
import { aggregateKey } from '@flotilla/update-domain';
import { idempotency } from '@flotilla/event-store';
import { FleetRepositories } from '../fleet/fleet-repositories';
import { AdminCommand } from './admin-command';
import { inner } from './admin-body';
import { FleetQueries } from './fleet-queries';
import { FleetScope } from './fleet-scope';

export class CreateProductCommand extends AdminCommand<CreateProductRequest> {}

@CommandHandler(CreateProductCommand)
export class CreateProductHandler implements ICommandHandler<CreateProductCommand> {
  constructor(
    private readonly scope: FleetScope,
    private readonly repositories: FleetRepositories,
    private readonly queries: FleetQueries,
  ) {}

  async execute({ request: { organizationId, body, commandId }, meta }: CreateProductCommand) {
    await this.scope.organization(meta, organizationId);
    const name = String(inner(body, 'product').name ?? '');
    const command = { type: 'CreateProduct' as const, organizationId, name };
    await this.scope.settled(
      await this.repositories.products.execute(aggregateKey(organizationId, name.trim()), command, {
        metadata: meta,
        ...idempotency(`create-product:${organizationId}`, commandId, body),
      }),
    );
    return this.queries.product(meta, organizationId, name.trim());
  }
}
