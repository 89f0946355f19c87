/**
 * The times (epoch ms) of a device's attempts at one deployment, oldest first, in chunks of `ATTEMPT_CHUNK`; only the
 * last may hold fewer. A state is never changed, so each attempt makes new times: whole, that is a copy of every time
 * before, and folding a device's history costs the square of its length (a device under rules that never quarantine it
 * collects attempts for as long as it checks: 20,000 of them took seconds). In chunks an attempt copies the last chunk
 * and the list of chunks; the full chunks before are shared by every version that extends them.
 */
export type AttemptTimes = readonly (readonly number[])[];

/** Large enough that the list of chunks stays short, small enough that copying the last one is cheap. */
export const ATTEMPT_CHUNK = 256;

export function appendAttempt(times: AttemptTimes, at: number): AttemptTimes {
  const last = times.length - 1;
  if (last < 0 || times[last].length === ATTEMPT_CHUNK) return [...times, [at]];
  return [...times.slice(0, last), [...times[last], at]];
}

/** How many attempts were at or after `since`, and how many of those after `after`. */
export function countAttempts(times: AttemptTimes, since: number, after: number): { since: number; after: number } {
  const counted = { since: 0, after: 0 };
  for (const chunk of times) {
    for (const at of chunk) {
      if (at < since) continue;
      counted.since++;
      if (at > after) counted.after++;
    }
  }
  return counted;
}
