import { hash, randomUUID } from 'node:crypto';

/**
 * A UUID (version 5 layout, SHA-256 based) that is always the same for the same name: an aggregate created by a
 * command with an idempotency key is named from the key, so a retry reaches the same aggregate and finds its
 * own commit there.
 */
export function stableUuid(name: string): string {
  const hex = hash('sha256', name);
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The id of what a create makes: named from its command id, so that a repeat names the same; random without one. */
export function createdId(commandId: string | undefined): string {
  return commandId ? stableUuid(commandId) : randomUUID();
}
