import { createHash } from 'node:crypto';

/**
 * The aggregate id of something named by the organization's own words (a product, a deployment name, a device
 * identifier), which may hold dots or spaces that a NATS subject cannot: a digest of the parts.
 */
export function aggregateKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}
