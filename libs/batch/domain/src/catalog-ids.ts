import { stableUuid } from '@flotilla/decider';

/** What the catalog holds; each kind names its entries by code (metros, facilities) or slug (plans, images). */
export type CatalogKind = 'metro' | 'facility' | 'plan' | 'operating-system';

const ids = new Map<string, string>();

/**
 * The uuid Metal's object of a catalog entry carries besides its code or slug: derived from them, so the same on every
 * instance and rebuild. Remembered, as only the catalog's few entries are ever asked for.
 */
export function catalogId(kind: CatalogKind, code: string): string {
  const name = `${kind}/${code}`;
  let id = ids.get(name);
  if (id === undefined) ids.set(name, (id = stableUuid(name)));
  return id;
}

/** The codes of a collection by their ids, made at its first miss, so that each name costs one look-up. */
const byIdOf = new WeakMap<object, Partial<Record<CatalogKind, Map<string, string>>>>();

/**
 * The code or slug among `codes` that a caller named, by itself in any case or by its id (Metal takes a metro, a
 * plan, ... by either); undefined if it names none of them. `codes` must not change once asked of.
 */
export function catalogCode(
  kind: CatalogKind,
  given: string,
  codes: { has(code: string): boolean; keys(): Iterable<string> },
): string | undefined {
  const named = given.toLowerCase();
  if (codes.has(named)) return named;
  let ofCodes = byIdOf.get(codes);
  if (ofCodes === undefined) byIdOf.set(codes, (ofCodes = {}));
  const byId = (ofCodes[kind] ??= new Map([...codes.keys()].map((code) => [catalogId(kind, code), code])));
  return byId.get(named);
}
