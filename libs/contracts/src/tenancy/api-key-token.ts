/**
 * An API key's token: `flt_`, the organization's id (32 hex digits, no dashes), `_`, then `secret`. The organization
 * is there in the open (its id is no secret: it is in every URL of its resources) so that a key not found can be
 * looked for again once the read model holds that organization's commits: a key issued while the read model was
 * behind then answers 503 (try again), never 401 for good. Keys from before this format name none.
 */
export function apiKeyToken(organizationId: string, secret: string): string {
  return `flt_${organizationId.replaceAll('-', '')}_${secret}`;
}

const NAMED = /^flt_([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})_/;

/** The organization a token names, unverified (only a key found by the token's hash is): undefined if none. */
export function tokenOrganization(token: string): string | undefined {
  const parts = NAMED.exec(token);
  return parts ? parts.slice(1).join('-') : undefined;
}
