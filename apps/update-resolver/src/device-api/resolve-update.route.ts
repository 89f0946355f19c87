import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ResolveRequest, UpdateAnswer, UpdateSubjects } from '@flotilla/contracts';
import { DirectRoute, RequestMeta } from '@flotilla/nest-platform';
import { ResolveUpdateCommand } from './resolve-update';

/**
 * The device check on the bus, the hottest subject of all: answered as a direct route (no Nest pipeline per message,
 * the same verification, validation, counts and replies), so a check costs what resolving it costs.
 */
@Injectable()
export class ResolveUpdateRoute implements DirectRoute<ResolveRequest> {
  readonly subject = UpdateSubjects.resolve;

  constructor(private readonly commands: CommandBus) {}

  /** `ResolveRequest` exactly, as a device check sends it; the request class's decorators say the same. */
  accepts(payload: object): payload is ResolveRequest {
    const { credentialHash, headers, preflight, ...rest } = payload as Partial<ResolveRequest>;
    return (
      typeof credentialHash === 'string' &&
      credentialHash.length <= 64 &&
      typeof headers === 'object' &&
      headers !== null &&
      !Array.isArray(headers) &&
      (preflight === undefined || typeof preflight === 'boolean') &&
      Object.keys(rest).length === 0
    );
  }

  handle(request: ResolveRequest, meta: RequestMeta): Promise<UpdateAnswer> {
    return this.commands.execute(new ResolveUpdateCommand(request, meta));
  }
}
