/**
 * Records keyed by ids (a batch's devices, a plan's reservations) are kept without a prototype, which V8 holds as a
 * hash table. An object literal given a key it has not had before gets a new hidden class: about 2 µs per new id, and
 * 70–90 µs to copy a plan's few dozen reservations with one more or one less, several times per batch placed.
 */
export function copyIdRecord<T>(record?: Readonly<Record<string, T>>): Record<string, T> {
  const copy = Object.create(null) as Record<string, T>;
  for (const id in record) copy[id] = record[id];
  return copy;
}

/**
 * The values of an id record, walked: `Object.values` of an object V8 holds as a hash table took 2.5x as long (3.5 ms
 * against 1.4 for a batch of 10,000 devices, read after each of its commits).
 */
export function idRecordValues<T>(record: Readonly<Record<string, T>>): T[] {
  const values: T[] = [];
  for (const id in record) values.push(record[id]);
  return values;
}

/** A copy of `record` with `id` set to `value`. */
export function withId<T>(record: Readonly<Record<string, T>>, id: string, value: T): Record<string, T> {
  const next = copyIdRecord(record);
  next[id] = value;
  return next;
}

/** A copy of `record` without `id`. */
export function withoutId<T>(record: Readonly<Record<string, T>>, id: string): Record<string, T> {
  const next = copyIdRecord(record);
  delete next[id];
  return next;
}
