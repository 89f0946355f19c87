import { hash } from 'node:crypto';

/**
 * The aggregate id of something named by the organization's own words (a product, a deployment name, a device
 * identifier), which may hold dots or spaces that a NATS subject cannot: a digest of the parts.
 */
export function aggregateKey(...parts: string[]): string {
  return hash('sha256', parts.join('\u0000')).slice(0, 32);
}

/**
 * The key of an aggregate named as operators name it, `<a>/<b>` or `<a>/<b>/<c>` (organization, product, name): split
 * at the first `/` and, for three parts, the last, since names may hold `/`. A key itself is taken as it is.
 */
export function aggregateKeyOfName(name: string, parts: 2 | 3): string {
  if (/^[0-9a-f]{32}$/.test(name)) return name;
  const first = name.indexOf('/');
  const last = name.lastIndexOf('/');
  if (first < 0 || (parts === 3 && last === first)) throw new Error(`expected ${parts} parts separated by "/"`);
  return parts === 2
    ? aggregateKey(name.slice(0, first), name.slice(first + 1))
    : aggregateKey(name.slice(0, first), name.slice(first + 1, last), name.slice(last + 1));
}
