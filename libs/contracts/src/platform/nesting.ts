/**
 * How deep a request's JSON may nest, objects and arrays counted (platform-wide, at every edge). Every payload is
 * walked (its text checked, its fields copied into a class, written to the log) by code that recurses; a deeper one
 * would overflow the stack there and be answered as an internal error instead of as bad input.
 */
export const MAX_JSON_DEPTH = 32;

/** Whether `value` holds objects or arrays more than `levels` deep; looks no deeper than that. */
export function nestsDeeperThan(value: unknown, levels: number = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (levels === 0) return true;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    if (nestsDeeperThan(item, levels - 1)) return true;
  }
  return false;
}
