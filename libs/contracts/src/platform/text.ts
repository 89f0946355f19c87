/**
 * Characters no string field may hold (platform-wide, at every edge): NUL and the other control characters except
 * tab, line feed and carriage return, DEL, the C1 controls, and halves of surrogate pairs. Postgres refuses NUL
 * outright; the rest would end up in names, logs and terminals.
 */
const BAD_CHARACTERS =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Every string (keys included) of a JSON value that holds a bad character, by its path from `path` (the value itself
 * when none: `batches[0].hostname`, as the other checks of a payload name its fields). Every message at every edge is
 * checked, and nearly all are clean: the paths are only spelled out once one is found.
 */
export function badCharacterProblems(value: unknown, path = ''): string[] {
  return holdsBadCharacter(value) ? listProblems(value, path, []) : [];
}

function holdsBadCharacter(value: unknown): boolean {
  if (typeof value === 'string') return BAD_CHARACTERS.test(value);
  if (Array.isArray(value)) return value.some(holdsBadCharacter);
  if (value === null || typeof value !== 'object') return false;
  for (const key of Object.keys(value)) {
    if (BAD_CHARACTERS.test(key) || holdsBadCharacter((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

function listProblems(value: unknown, path: string, found: string[]): string[] {
  const where = path || 'the payload';
  if (typeof value === 'string') {
    if (BAD_CHARACTERS.test(value)) found.push(`${where} contains a control character or invalid text`);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => listProblems(item, `${path}[${i}]`, found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (BAD_CHARACTERS.test(key)) found.push(`${where} has a key with a control character or invalid text`);
      else listProblems(item, path ? `${path}.${key}` : key, found);
    }
  }
  return found;
}
