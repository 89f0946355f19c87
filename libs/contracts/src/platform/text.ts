/**
 * Characters no string field may hold (platform-wide, at every edge): NUL and the other control characters except
 * tab, line feed and carriage return, DEL, the C1 controls, and halves of surrogate pairs. Postgres refuses NUL
 * outright; the rest would end up in names, logs and terminals.
 */
const BAD_CHARACTERS =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Every string (keys included) of a JSON value that holds a bad character, by its path. */
export function badCharacterProblems(value: unknown, path = 'payload', found: string[] = []): string[] {
  if (typeof value === 'string') {
    if (BAD_CHARACTERS.test(value)) found.push(`${path} contains a control character or invalid text`);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => badCharacterProblems(item, `${path}[${i}]`, found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (BAD_CHARACTERS.test(key)) found.push(`${path} has a key with a control character or invalid text`);
      else badCharacterProblems(item, `${path}.${key}`, found);
    }
  }
  return found;
}
