import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CreateInProductRequest } from '@flotilla/contracts';
import { createdId } from '@flotilla/decider';
import { checkFirmware } from '@flotilla/update-domain';
import { idempotency } from '@flotilla/event-store';
import { FleetRepositories } from '../fleet/fleet-repositories';
import { AdminCommand } from './admin-command';
import { inner } from './admin-body';
import { FleetQueries } from './fleet-queries';
import { FleetScope } from './fleet-scope';

export class CreateFirmwareCommand extends AdminCommand<CreateInProductRequest> {}

@CommandHandler(CreateFirmwareCommand)
export class CreateFirmwareHandler implements ICommandHandler<CreateFirmwareCommand> {
  constructor(
    private readonly scope: FleetScope,
    private readonly repositories: FleetRepositories,
    private readonly queries: FleetQueries,
  ) {}

  async execute({ request: { organizationId, product, body, commandId }, meta }: CreateFirmwareCommand) {
    await this.scope.product(meta, organizationId, product);
    const keyed = idempotency(`create-firmware:${organizationId}`, commandId, { product, body });
    // A firmware the body does not name is named from the key, so that a repeat reaches the firmware it made.
    const uuid = createdId(keyed.commandId);
    const firmware = checkFirmware({ uuid, ...inner(body, 'firmware') }, organizationId, product);
    await this.scope.settled(
      await this.repositories.firmwares.execute(
        firmware.uuid,
        { type: 'CreateFirmware', firmware },
        { metadata: meta, ...keyed },
      ),
    );
    return this.queries.firmware(meta, organizationId, product, firmware.uuid);
  }
}
