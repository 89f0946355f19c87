import { createHmac, randomBytes } from 'node:crypto';

export const newCredential = () => `dev_${randomBytes(32).toString('base64url')}`;

/** A provisioned server's first credential: derived, never stored, handed out once (firmware-deployments.md §1). */
export const provisionedCredential = (key: string, organizationId: string, identifier: string) =>
  `dev_${createHmac('sha256', key).update(`${organizationId}/${identifier}`).digest('base64url')}`;

/**
 * The credential of a registration made with an `Idempotency-Key` (`commandId`): derived like a provisioned server's,
 * never stored, so that a repeat of the request can show it again.
 */
export const keyedCredential = (key: string, commandId: string, identifier: string) =>
  `dev_${createHmac('sha256', key).update(`registration:${commandId}:${identifier}`).digest('base64url')}`;
