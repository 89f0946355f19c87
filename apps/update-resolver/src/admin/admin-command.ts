import { hash } from 'node:crypto';
import { RequestMeta } from '@flotilla/nest-platform';

/** An admin command: the request as its route sends it, and who sent it. One subclass per command. */
export abstract class AdminCommand<Request> {
  constructor(
    readonly request: Request,
    readonly meta: RequestMeta,
  ) {}
}

/**
 * What makes a create idempotent (HTTP's `Idempotency-Key`): the key, scoped to the organization and to what it
 * creates, and the request it came with, so that the same key with another request is refused.
 */
export function idempotency(
  creates: string,
  organizationId: string,
  key: string | undefined,
  request: unknown,
): { commandId?: string; fingerprint?: string } {
  if (key === undefined) return {};
  return { commandId: `${creates}:${organizationId}:${key}`, fingerprint: hash('sha256', JSON.stringify(request)) };
}
