/**
 * Freezes plain data (objects and arrays) all the way down, so a state handed out cannot be written into. A frozen
 * part is taken as frozen throughout and not walked again: with structural sharing, freezing a new state costs what
 * changed, not its size. Instances of classes are left as they are (they keep their own invariants).
 */
export function deepFreeze<T>(value: T): T {
  if (!isPlainData(value) || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
  return value;
}

function isPlainData(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return Array.isArray(value) || prototype === Object.prototype || prototype === null;
}
