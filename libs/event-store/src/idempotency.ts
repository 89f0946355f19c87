import { hash } from 'node:crypto';
import { ExecuteOptions } from './aggregate-repository';

/**
 * What makes a create idempotent (HTTP's `Idempotency-Key`): the key, scoped by `scope` (what it creates, and in which
 * organization or project), as the command id, and the request it came with as the fingerprint, so that the same key
 * with another request is refused. Nothing without a key.
 */
export function idempotency(
  scope: string,
  key: string | undefined,
  request: unknown,
): Pick<ExecuteOptions, 'commandId' | 'fingerprint'> {
  if (key === undefined) return {};
  return { commandId: `${scope}:${key}`, fingerprint: hash('sha256', JSON.stringify(request)) };
}
