/**
 * Freezes plain data (objects and arrays) all the way down, so a state handed out cannot be written into. A frozen
 * part is taken as frozen throughout and not walked again: with structural sharing, freezing a new state costs what
 * changed, not its size. Instances of classes are left as they are (they keep their own invariants).
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  // Walked without an array of values per object, and with no call for a primitive (most of a commit's values): this
  // runs on every state and every shared commit.
  if (Array.isArray(value)) {
    Object.freeze(value);
    for (let i = 0; i < value.length; i++) freezePart(value[i]);
    return value;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  Object.freeze(value);
  for (const key in value) freezePart(value[key]);
  return value;
}

function freezePart(part: unknown): void {
  if (typeof part === 'object' && part !== null) deepFreeze(part);
}
