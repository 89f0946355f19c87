/** The one reply envelope of every command and query over NATS (platform.md §3). */
export type Reply<T> = { ok: true; data: T } | { ok: false; error: ReplyError };

export interface ReplyError {
  code: ErrorCode;
  message: string;
  details?: string[];
}

export const ErrorCodes = {
  validationFailed: 'validation_failed',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  notFound: 'not_found',
  conflict: 'conflict',
  idempotencyMismatch: 'idempotency_mismatch',
  unavailable: 'unavailable',
  internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];
