import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ResolveRequest, UpdateAnswer, UpdateSubjects } from '@flotilla/contracts';
import { DirectRoute, RequestMeta } from '@flotilla/nest-platform';
import { ResolveUpdateCommand } from './resolve-update';

const CHECK_FIELDS: ReadonlySet<string> = new Set(['credentialHash', 'headers', 'preflight']);

/** `ResolveRequest` exactly, as a device check sends it (and `extra` fields besides); its decorators say the same. */
export function isPlainCheck(payload: unknown, extra: readonly string[] = []): payload is ResolveRequest {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return false;
  const { credentialHash, headers, preflight } = payload as Partial<ResolveRequest>;
  return (
    typeof credentialHash === 'string' &&
    credentialHash.length <= 64 &&
    typeof headers === 'object' &&
    headers !== null &&
    !Array.isArray(headers) &&
    (preflight === undefined || typeof preflight === 'boolean') &&
    Object.keys(payload).every((key) => CHECK_FIELDS.has(key) || extra.includes(key))
  );
}

/**
 * The device check on the bus, the hottest subject of all: answered as a direct route (no Nest pipeline per message,
 * the same verification, validation, counts and replies), so a check costs what resolving it costs.
 */
@Injectable()
export class ResolveUpdateRoute implements DirectRoute<ResolveRequest> {
  readonly subject = UpdateSubjects.resolve;

  constructor(private readonly commands: CommandBus) {}

  accepts(payload: object): payload is ResolveRequest {
    return isPlainCheck(payload);
  }

  handle(request: ResolveRequest, meta: RequestMeta): Promise<UpdateAnswer> {
    return this.commands.execute(new ResolveUpdateCommand(request, meta));
  }
}
