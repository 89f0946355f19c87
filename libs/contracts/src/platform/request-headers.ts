/**
 * Headers a caller puts on a NATS command or query. The gateway sets them from the authenticated token;
 * another service sets its own name as actor and no organization.
 */
export const RequestHeaders = {
  actor: 'Flotilla-Actor',
  /** Organization the caller is confined to; absent for the root token and for services. */
  organization: 'Flotilla-Organization',
  correlationId: 'Flotilla-Correlation-Id',
} as const;
