import { ConcurrencyError, DependencyError, NewerEventVersionError, UnknownEventVersionError } from '../errors';

/** How often a commit is tried before it is parked, and how long to wait between tries. */
export interface RetryPolicy {
  /** Tries of a commit whose failure is its own (not a dependency's) before it is parked. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, initialBackoffMs: 200, maxBackoffMs: 30_000 };

/** Exponential backoff with jitter, so instances that failed together do not retry together. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * Postgres SQLSTATEs of a dependency in trouble, never of the commit: a connection (08), a login refused (28: a
 * password rotated on one side only), resources (53), an operator's intervention (57), the system (58, XX), a
 * serialization failure or deadlock, a lock or object in use, a database gone read-only (25006: a failover onto a
 * standby not yet promoted), privileges taken away (42501), and a table, column, database or schema not created yet.
 * Any of them would otherwise park every commit that meets it.
 */
const TRANSIENT_SQLSTATE = /^(08|28|53|57|58|XX|40001|40P01|55P03|55006|25006|42501|42P01|42703|3D000|3F000)/;
const TRANSIENT_NATS_CODES = new Set([
  'TIMEOUT',
  '503',
  'CONNECTION_CLOSED',
  'CONNECTION_DRAINING',
  'DISCONNECT',
  'CONNECTION_REFUSED',
]);
/**
 * Messages of a dependency away: the network's errors (a host name that does not resolve is one too, a DNS server or a
 * Service being replaced, and a wrong one fails every commit alike, so the line waits rather than parking them all),
 * and NATS's and TypeORM's words for a connection gone.
 */
const TRANSIENT_MESSAGE =
  /ECONNREFUSED|ECONNRESET|ECONNABORTED|EPIPE|ETIMEDOUT|EHOSTUNREACH|EHOSTDOWN|ENETUNREACH|ENETDOWN|EAI_AGAIN|ENOTFOUND|connection terminated|terminating connection|connection error|not queryable|connection provided by a query runner was already released|timeout|timed out|no responders|jetstream (not enabled|system temporarily unavailable)|leader|no suitable peers|insufficient resources|connection closed|disconnect/i;

/**
 * Whether a failure is a dependency's (Postgres or NATS away, a deadlock, a table a migration has not created yet) or
 * a commit of a newer release than this instance (a rolling deploy under way): such a commit is tried again for as
 * long as it takes and never parked, since it is not at fault. Anything else (an event the handler cannot apply,
 * bytes that do not decode, a rule that refuses) is the commit's own.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof ConcurrencyError || err instanceof NewerEventVersionError || err instanceof DependencyError)
    return true;
  if (err instanceof UnknownEventVersionError || err instanceof SyntaxError) return false;
  const e = err as { code?: unknown; driverError?: { code?: unknown }; message?: unknown } | null;
  const sqlState = e?.driverError?.code ?? e?.code;
  // No SQLSTATE class begins with E, as every socket error's code does (`EPIPE` has five letters too).
  if (typeof sqlState === 'string' && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(sqlState))
    return TRANSIENT_SQLSTATE.test(sqlState);
  if (typeof e?.code === 'string' && TRANSIENT_NATS_CODES.has(e.code)) return true;
  return TRANSIENT_MESSAGE.test(String(e?.message ?? err));
}

/**
 * A failure in a line, for logs, readiness and the parked record: control characters are spelled out (an error
 * about bad bytes quotes them, and Postgres would refuse to store a NUL), and it is kept short.
 */
export function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: unknown } | null;
  const text = (e?.message ? `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}` : String(err)).replace(
    /[\u0000-\u0008\u000b-\u001f\u007f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
}
