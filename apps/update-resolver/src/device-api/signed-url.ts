import { createHmac } from 'node:crypto';

/** `url` with an expiry and an HMAC-SHA256 over both, so it can neither be forged nor used after it expires. */
export function signFirmwareUrl(url: string, key: string, expiresAt: Date): string {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  const signature = createHmac('sha256', key).update(`${url}\n${expires}`).digest('hex');
  const separator = url.includes('?') ? '&' : '?';
  return `${url}${separator}expires=${expires}&signature=${signature}`;
}

/** What an artifact server does with a signed URL: true if it is genuine and not expired. */
export function verifyFirmwareUrl(signed: string, key: string, now = new Date()): boolean {
  const match = /^(.*)[?&]expires=(\d+)&signature=([0-9a-f]{64})$/.exec(signed);
  if (!match) return false;
  const [, url, expires, signature] = match;
  const expected = createHmac('sha256', key).update(`${url}\n${expires}`).digest('hex');
  return expected === signature && Number(expires) * 1000 > now.getTime();
}
