import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import { ErrorCodes, ReplyError } from '@flotilla/events';

/**
 * Who a command or query is for (platform.md §4b). `root` administers the platform; `organization` is confined to
 * one organization (the gateway issues it for an organization's API key); `service` is another service sending
 * commands with an identity of its own, acting for one of the organizations it may act for.
 */
export type Principal =
  | { kind: 'root'; actor: string; issuedAt: number }
  | { kind: 'organization'; organizationId: string; actor: string; issuedAt: number }
  | { kind: 'service'; service: string; organizationId: string; actor: string; issuedAt: number };

/**
 * The two headers of a signed request. `Flotilla-Principal` is the principal as base64url JSON; `Flotilla-Signature`
 * is base64url HMAC-SHA256, with the bus key (root and organization principals, issued by the gateway) or the
 * service's own key (service principals), over `<Flotilla-Principal>\n<subject>\n<hex SHA-256 of the body>`.
 */
export const PrincipalHeaders = { principal: 'Flotilla-Principal', signature: 'Flotilla-Signature' } as const;

/** How far a principal's `issuedAt` may be from the receiver's clock (replays of older requests are refused). */
export const PRINCIPAL_MAX_SKEW_MS = 60_000;

/** Hex SHA-256 of a request body, as the signature covers it. */
export const bodyDigest = (body: Uint8Array) => hash('sha256', body, 'hex'); // one-shot: a third of createHash's cost

const signingInput = (principalHeader: string, subject: string, digest: string) =>
  `${principalHeader}\n${subject}\n${digest}`;

const hmac = (key: string, input: string) => createHmac('sha256', key).update(input).digest();

/** The header values that sign `body` on `subject` for `principal`. */
export function signRequest(
  principal: Principal,
  subject: string,
  body: Uint8Array,
  key: string,
): Record<string, string> {
  const principalHeader = Buffer.from(JSON.stringify(principal)).toString('base64url');
  return {
    [PrincipalHeaders.principal]: principalHeader,
    [PrincipalHeaders.signature]: hmac(key, signingInput(principalHeader, subject, bodyDigest(body))).toString(
      'base64url',
    ),
  };
}

export type Verified = { ok: true; principal: Principal } | { ok: false; reason: string };

const REFUSED = 'unauthorized: the bus refused the principal';

/** The reply to a request whose principal does not verify, refused before any handler sees it. */
export const principalRefusal = (reason: string): ReplyError => ({
  code: ErrorCodes.unauthorized,
  message: `${REFUSED}: ${reason}`,
});

/**
 * Whether a service refused the principal itself, not what it was asked (an unknown API key or device credential is
 * the handler's own `unauthorized`). For a caller that signs correctly, such as the gateway, that is a deployment
 * whose bus keys or clocks disagree, never the end user's fault.
 */
export const isPrincipalRefusal = (error: ReplyError): boolean =>
  error.code === ErrorCodes.unauthorized && error.message.startsWith(REFUSED);

/**
 * Checks a request's principal: present, well formed, signed with one of the keys `keysFor` gives for it (none: no
 * such signer; two while a key is being rotated), over this subject and the body whose digest is given, and issued
 * within the allowed skew.
 */
export function verifyRequest(
  headers: { principal?: string | null; signature?: string | null },
  subject: string,
  digest: string,
  keysFor: (principal: Principal) => readonly string[],
  now = Date.now(),
  maxSkewMs = PRINCIPAL_MAX_SKEW_MS,
): Verified {
  if (!headers.principal || !headers.signature) return { ok: false, reason: 'the request carries no signed principal' };
  let principal: Principal;
  try {
    principal = JSON.parse(Buffer.from(headers.principal, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'the principal is not readable' };
  }
  if (!isPrincipal(principal)) return { ok: false, reason: 'the principal is not readable' };
  const keys = keysFor(principal);
  if (!keys.length) return { ok: false, reason: 'the principal names no known signer' };
  const input = signingInput(headers.principal, subject, digest);
  const given = Buffer.from(headers.signature, 'base64url');
  const signedWith = (key: string) => {
    const expected = hmac(key, input);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  if (!keys.some(signedWith)) return { ok: false, reason: 'the signature does not verify' };
  if (Math.abs(now - principal.issuedAt) > maxSkewMs) return { ok: false, reason: 'the principal is stale' };
  return { ok: true, principal };
}

function isPrincipal(p: unknown): p is Principal {
  const v = p as Record<string, unknown> | null;
  if (!v || typeof v.actor !== 'string' || typeof v.issuedAt !== 'number') return false;
  if (v.kind === 'root') return true;
  if (v.kind === 'organization') return typeof v.organizationId === 'string';
  return v.kind === 'service' && typeof v.service === 'string' && typeof v.organizationId === 'string';
}
