import { ErrorCodes } from '@flotilla/contracts';
import { RemoteError } from './nats-rpc.client';

/**
 * Reads a list's query filters, gathering their problems (a parameter given twice) into `problems`. A filter given
 * empty (`?facility=`, as clients that fill a URL template send one they were not given) filters nothing.
 */
export function queryFilters(query: Record<string, unknown>, problems: string[]) {
  const once = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined || typeof value === 'string') return value;
    problems.push(`${name} must be given once`);
    return undefined;
  };
  const filter = (name: string): string | undefined => once(name) || undefined;
  /** A filter Metal has for what Flotilla does not model: answering every item would be wrong, and none a guess. */
  const unmodelled = (name: string, why: string): void => {
    if (filter(name)) problems.push(`${name} cannot be filtered by: ${why}`);
  };
  return { once, filter, unmodelled };
}

/**
 * A `true`/`false` query flag as clients spell it: in any case (Python's `requests` sends `True`, as Rails, which
 * Metal's API runs on, reads it) or as `1`/`0`; undefined for anything else, which is bad input.
 */
export function queryFlag(value: string): boolean | undefined {
  const spelled = value.toLowerCase();
  if (spelled === 'true' || spelled === '1') return true;
  if (spelled === 'false' || spelled === '0') return false;
  return undefined;
}

/** Why Metal's `categories` filter (of plans, and of devices by their plan) is refused. */
export const NO_PLAN_CATEGORIES = 'plans here have no categories';

/** Answers 422 listing every problem found, if any. */
export function refuseProblems(problems: string[]): void {
  if (problems.length)
    throw new RemoteError({ code: ErrorCodes.validationFailed, message: problems.join('; '), details: problems });
}
