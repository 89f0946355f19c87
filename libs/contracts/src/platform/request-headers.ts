/**
 * Headers a caller puts on a NATS command or query besides its signed principal (principal.ts): a correlation id
 * that follows the request through the events it causes.
 */
export const RequestHeaders = {
  correlationId: 'Flotilla-Correlation-Id',
} as const;
