import { Inject, Injectable } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  CreateInProductRequest,
  hashCredential,
  ProductDeviceRequest,
  UpdateProductDeviceRequest,
} from '@flotilla/contracts';
import { DomainError, everyProblem } from '@flotilla/decider';
import { DeviceCommand, validateTags } from '@flotilla/update-domain';
import { idempotency } from '@flotilla/event-store';
import { RESOLVER_CONFIG, ResolverConfig } from '../config';
import { keyedCredential, newCredential, provisionedCredential } from '../fleet/device-credentials';
import { FleetRepositories } from '../fleet/fleet-repositories';
import { AdminCommand } from './admin-command';
import { inner } from './admin-body';
import { FleetQueries } from './fleet-queries';
import { FleetScope } from './fleet-scope';

/** Registers a device by hand; the answer carries its credential, shown this once. */
export class RegisterDeviceCommand extends AdminCommand<CreateInProductRequest> {}

export class ChangeDeviceTagsCommand extends AdminCommand<UpdateProductDeviceRequest> {}

export class QuarantineDeviceCommand extends AdminCommand<ProductDeviceRequest> {}

export class UnquarantineDeviceCommand extends AdminCommand<ProductDeviceRequest> {}

/** A new credential; the old one stops working. */
export class RotateCredentialCommand extends AdminCommand<ProductDeviceRequest> {}

/** The first credential of a server a batch provisioned, once; after that it can only be rotated. */
export class FetchCredentialCommand extends AdminCommand<ProductDeviceRequest> {}

type ChangeCommand =
  | ChangeDeviceTagsCommand
  | QuarantineDeviceCommand
  | UnquarantineDeviceCommand
  | RotateCredentialCommand
  | FetchCredentialCommand;

/** A credential is shown once, with the device: one that cannot be shown is lost, and only a new one will do. */
const CREDENTIAL_NOT_SHOWN = 'its credential was not shown, so rotate it (POST .../credential) once the device reads';
/** ... unless the registration had an `Idempotency-Key`, whose repeat shows it. */
const CREDENTIAL_ON_REPEAT = 'repeat the request with its Idempotency-Key shortly: that answers the credential';

/** What a change does to a device, and the credential to show with the answer (if any). */
interface DeviceChange {
  command: DeviceCommand;
  credential?: string;
}

/** Changes an existing device by what `changeFor` makes of the request; answers the device after. */
@Injectable() // gives the subclasses its constructor's parameter types
abstract class DeviceChangeHandler<C extends ChangeCommand> {
  constructor(
    private readonly scope: FleetScope,
    private readonly repositories: FleetRepositories,
    private readonly queries: FleetQueries,
    @Inject(RESOLVER_CONFIG) protected readonly config: ResolverConfig,
  ) {}

  protected abstract changeFor(request: C['request']): DeviceChange;

  async execute({ request, meta }: C): Promise<unknown> {
    const { organizationId, product, identifier } = request;
    await this.scope.device(meta, organizationId, product, identifier);
    const { command, credential } = this.changeFor(request);
    await this.scope.settled(
      await this.repositories.executeOnDevice(organizationId, identifier, command, { metadata: meta }),
      credential ? CREDENTIAL_NOT_SHOWN : undefined,
    );
    const answer = await this.queries.device(meta, organizationId, product, identifier);
    return credential ? { ...answer, credential } : answer;
  }
}

@CommandHandler(ChangeDeviceTagsCommand)
export class ChangeDeviceTagsHandler extends DeviceChangeHandler<ChangeDeviceTagsCommand> {
  protected changeFor({ body }: UpdateProductDeviceRequest): DeviceChange {
    return { command: { type: 'ChangeTags', tags: inner(body, 'device').tags as string[] } };
  }
}

@CommandHandler(QuarantineDeviceCommand)
export class QuarantineDeviceHandler extends DeviceChangeHandler<QuarantineDeviceCommand> {
  protected changeFor(): DeviceChange {
    return { command: { type: 'QuarantineDevice', reason: 'operator' } };
  }
}

@CommandHandler(UnquarantineDeviceCommand)
export class UnquarantineDeviceHandler extends DeviceChangeHandler<UnquarantineDeviceCommand> {
  protected changeFor(): DeviceChange {
    return { command: { type: 'UnquarantineDevice' } };
  }
}

@CommandHandler(RotateCredentialCommand)
export class RotateCredentialHandler extends DeviceChangeHandler<RotateCredentialCommand> {
  protected changeFor(): DeviceChange {
    const credential = newCredential();
    return { command: { type: 'RotateCredential', credentialHash: hashCredential(credential) }, credential };
  }
}

@CommandHandler(FetchCredentialCommand)
export class FetchCredentialHandler extends DeviceChangeHandler<FetchCredentialCommand> {
  protected changeFor({ organizationId, identifier }: ProductDeviceRequest): DeviceChange {
    return {
      command: { type: 'FetchCredential' },
      credential: provisionedCredential(this.config.deviceCredentialKey, organizationId, identifier),
    };
  }
}

@CommandHandler(RegisterDeviceCommand)
export class RegisterDeviceHandler implements ICommandHandler<RegisterDeviceCommand> {
  constructor(
    private readonly scope: FleetScope,
    private readonly repositories: FleetRepositories,
    private readonly queries: FleetQueries,
    @Inject(RESOLVER_CONFIG) private readonly config: ResolverConfig,
  ) {}

  async execute({ request: { organizationId, product, body, commandId }, meta }: RegisterDeviceCommand) {
    await this.scope.product(meta, organizationId, product);
    const raw = inner(body, 'device');
    const identifier = raw.identifier as string;
    const tags = (raw.tags as string[]) ?? [];
    everyProblem(
      () => {
        if (typeof identifier !== 'string' || !identifier.trim() || identifier.length > 255)
          throw DomainError.invalid(['identifier must be 1 to 255 characters']);
      },
      () => validateTags(tags),
    );
    const keyed = idempotency(`register-device:${organizationId}`, commandId, { product, body });
    // A keyed registration's credential is derived from its key, so that a repeat can show the one it registered.
    const credential = keyed.commandId
      ? keyedCredential(this.config.deviceCredentialKey, keyed.commandId, identifier)
      : newCredential();
    const credentialHash = hashCredential(credential);
    const command: DeviceCommand = {
      type: 'RegisterDevice',
      identifier,
      organizationId,
      product,
      tags,
      credentialHash,
      source: 'admin',
    };
    const result = await this.repositories.executeOnDevice(organizationId, identifier, command, {
      metadata: meta,
      ...keyed,
    });
    if (result.duplicate && result.state.credentialHash !== credentialHash)
      throw DomainError.conflict(
        'this Idempotency-Key registered the device, and its credential has been rotated since: rotate it again ' +
          '(POST .../credential) for one to show',
      );
    await this.scope.settled(result, keyed.commandId ? CREDENTIAL_ON_REPEAT : CREDENTIAL_NOT_SHOWN);
    return { ...(await this.queries.device(meta, organizationId, product, identifier)), credential };
  }
}

export const deviceCommandHandlers = [
  RegisterDeviceHandler,
  ChangeDeviceTagsHandler,
  QuarantineDeviceHandler,
  UnquarantineDeviceHandler,
  RotateCredentialHandler,
  FetchCredentialHandler,
];
