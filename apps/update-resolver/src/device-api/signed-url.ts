import { createHmac } from 'node:crypto';

/** A URL split at its fragment, which a client never sends to the server (so a signature cannot cover it). */
const atFragment = (url: string): [string, string] => {
  const hash = url.indexOf('#');
  return hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
};

const signatureOf = (resource: string, expires: string | number, key: string) =>
  createHmac('sha256', key).update(`${resource}\n${expires}`).digest('hex');

/**
 * `url` with an expiry and an HMAC-SHA256 over both, so it can neither be forged nor used after it expires. They go
 * into the query, before any fragment, so that the request for the URL carries them.
 */
export function signFirmwareUrl(url: string, key: string, expiresAt: Date): string {
  const [resource, fragment] = atFragment(url);
  const expires = Math.floor(expiresAt.getTime() / 1000);
  const separator = resource.includes('?') ? '&' : '?';
  return `${resource}${separator}expires=${expires}&signature=${signatureOf(resource, expires, key)}${fragment}`;
}

/** What an artifact server does with a signed URL (as requested: no fragment): true if genuine and not expired. */
export function verifyFirmwareUrl(signed: string, key: string, now = new Date()): boolean {
  const match = /^(.*)[?&]expires=(\d+)&signature=([0-9a-f]{64})$/.exec(atFragment(signed)[0]);
  if (!match) return false;
  const [, resource, expires, signature] = match;
  return signatureOf(resource, expires, key) === signature && Number(expires) * 1000 > now.getTime();
}
