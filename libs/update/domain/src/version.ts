/**
 * Versions and version requirements with the semantics of Elixir's `Version` (firmware-deployments.md §4):
 * SemVer precedence with build metadata ignored, operators `==` `!=` (`!`) `>` `>=` `<` `<=` `~>`, ` and ` binding
 * tighter than ` or `, and the `allow_pre` option.
 */

export class InvalidVersionError extends Error {
  constructor(readonly version: string) {
    super(`invalid version: ${JSON.stringify(version)}`);
    this.name = 'InvalidVersionError';
  }
}

export class InvalidRequirementError extends Error {
  constructor(readonly requirement: string) {
    super(`invalid requirement: ${JSON.stringify(requirement)}`);
    this.name = 'InvalidRequirementError';
  }
}

export type PreReleaseId = number | string;

export interface Version {
  major: number;
  minor: number;
  patch: number;
  pre: PreReleaseId[];
  build: string | null;
}

type Operator = '==' | '!=' | '>' | '>=' | '<' | '<=' | '~>';

/** One `<operator> <version>` of a requirement; `~>` is kept whole so its bounds are built once at parse time. */
interface Comparison {
  operator: Operator;
  version: Version;
}

/** Disjunctive normal form: `or` of `and`-groups, since `and` binds tighter. */
export interface Requirement {
  source: string;
  anyOf: Comparison[][];
}

// Newer Elixir caps numeric parts (not build metadata) at 14 digits.
const MAX_DIGITS = 14;
const DIGITS = /^(0|[1-9][0-9]*)$/;
const IDENTIFIER = /^[0-9A-Za-z-]+$/;

function numeric(part: string | undefined): number | null {
  if (part === undefined || !DIGITS.test(part) || part.length > MAX_DIGITS) return null;
  return Number(part);
}

function identifiers(part: string | undefined): string[] | null {
  if (part === undefined) return [];
  const ids = part.split('.');
  return ids.every((id) => IDENTIFIER.test(id)) ? ids : null;
}

/** Parses `MAJOR.MINOR.PATCH[-PRE][+BUILD]`; with `approximate`, `MAJOR.MINOR[-PRE]` too (patch then null). */
function parse(text: string, approximate: boolean): (Omit<Version, 'patch'> & { patch: number | null }) | null {
  const plus = text.indexOf('+');
  const withPre = plus === -1 ? text : text.slice(0, plus);
  const build = plus === -1 ? undefined : text.slice(plus + 1);
  const dash = withPre.indexOf('-');
  const core = dash === -1 ? withPre : withPre.slice(0, dash);
  const preText = dash === -1 ? undefined : withPre.slice(dash + 1);
  const parts = core.split('.');
  if (parts.length > 3 || parts.length < (approximate ? 2 : 3)) return null;
  const [major, minor] = [numeric(parts[0]), numeric(parts[1])];
  const patch = parts.length === 3 ? numeric(parts[2]) : null;
  if (major === null || minor === null || (parts.length === 3 && patch === null)) return null;
  const preIds = identifiers(preText);
  const buildIds = identifiers(build);
  if (!preIds || !buildIds) return null;
  const pre: PreReleaseId[] = [];
  for (const id of preIds) {
    if (/^[0-9]+$/.test(id)) {
      const n = numeric(id);
      if (n === null) return null; // leading zero or too long
      pre.push(n);
    } else pre.push(id);
  }
  return { major, minor, patch, pre, build: build ?? null };
}

export function parseVersion(text: string): Version {
  const version = typeof text === 'string' ? parse(text, false) : null;
  if (!version || version.patch === null) throw new InvalidVersionError(String(text));
  return version as Version;
}

function comparePre(a: PreReleaseId[], b: PreReleaseId[]): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length; // a release ranks above its pre-releases
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i], b[i]];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    if (typeof x === 'number') return -1; // numeric identifiers rank below alphanumeric ones
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1; // ASCII order
  }
  return Math.sign(a.length - b.length);
}

function compareParsed(a: Version, b: Version): -1 | 0 | 1 {
  const order = a.major - b.major || a.minor - b.minor || a.patch - b.patch || comparePre(a.pre, b.pre);
  return Math.sign(order) as -1 | 0 | 1;
}

/** SemVer precedence: -1, 0 or 1; build metadata is ignored. */
export function compareVersions(a: string | Version, b: string | Version): -1 | 0 | 1 {
  return compareParsed(typeof a === 'string' ? parseVersion(a) : a, typeof b === 'string' ? parseVersion(b) : b);
}

const OPERATORS: [string, Operator | 'and' | 'or'][] = [
  ['>=', '>='],
  ['<=', '<='],
  ['~>', '~>'],
  ['>', '>'],
  ['<', '<'],
  ['==', '=='],
  // Elixir's current lexer has dropped these two; firmware-deployments.md §4 keeps `!=` (and its older spelling).
  ['!=', '!='],
  ['!', '!='],
  [' or ', 'or'],
  [' and ', 'and'],
];

type Token = Operator | 'and' | 'or' | { version: string };

/**
 * Elixir's lexer (`Version.Parser`), token by token: an operator anywhere ends the version being read, and so does a
 * space (a version never holds one); a version with no operator before it (first, or after `and`/`or`) is `==`'s.
 */
function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let buffer = '';
  const endVersion = () => {
    if (!buffer) return;
    const last = tokens[tokens.length - 1];
    if (typeof last !== 'string' || last === 'and' || last === 'or') tokens.push('==');
    tokens.push({ version: buffer });
    buffer = '';
  };
  let i = 0;
  outer: while (i < source.length) {
    for (const [text, token] of OPERATORS) {
      if (source.startsWith(text, i)) {
        endVersion();
        tokens.push(token);
        i += text.length;
        continue outer;
      }
    }
    const char = source[i++];
    if (char === ' ') endVersion();
    else buffer += char;
  }
  endVersion();
  return tokens;
}

export function parseRequirement(source: string): Requirement {
  if (typeof source !== 'string') throw new InvalidRequirementError(String(source));
  const tokens = lex(source);
  const anyOf: Comparison[][] = [[]];
  let i = 0;
  while (true) {
    const operator = tokens[i];
    const operand = tokens[i + 1];
    if (typeof operator !== 'string' || operator === 'and' || operator === 'or' || typeof operand !== 'object')
      throw new InvalidRequirementError(source);
    const parsed = parse(operand.version, operator === '~>');
    if (!parsed) throw new InvalidRequirementError(source);
    anyOf[anyOf.length - 1].push({ operator, version: { ...parsed, patch: parsed.patch ?? -1 } });
    const joiner = tokens[i + 2];
    if (joiner === undefined) break;
    if (joiner === 'or') anyOf.push([]);
    else if (joiner !== 'and') throw new InvalidRequirementError(source);
    i += 3;
  }
  return { source, anyOf };
}

/** `>`/`>=` against a release operand: with allow_pre off, a pre-release version never qualifies. */
function preAllowed(version: Version, operand: Version, allowPre: boolean): boolean {
  return allowPre || version.pre.length === 0 || operand.pre.length > 0;
}

function holds(version: Version, { operator, version: operand }: Comparison, allowPre: boolean): boolean {
  switch (operator) {
    case '==':
      return compareParsed(version, operand) === 0;
    case '!=':
      return compareParsed(version, operand) !== 0;
    case '>':
      return compareParsed(version, operand) > 0 && preAllowed(version, operand, allowPre);
    case '>=':
      return compareParsed(version, operand) >= 0 && preAllowed(version, operand, allowPre);
    case '<':
      return compareParsed(version, operand) < 0;
    case '<=':
      return compareParsed(version, operand) <= 0;
    case '~>': {
      // `~> X.Y` = `>= X.Y.0 and < (X+1).0.0-0`; `~> X.Y.Z` = `>= X.Y.Z and < X.(Y+1).0-0`:
      // no pre-release of the upper bound.
      const lower: Version = { ...operand, patch: Math.max(operand.patch, 0) };
      const upper: Version =
        operand.patch < 0
          ? { major: operand.major + 1, minor: 0, patch: 0, pre: [0], build: null }
          : { major: operand.major, minor: operand.minor + 1, patch: 0, pre: [0], build: null };
      return holds(version, { operator: '>=', version: lower }, allowPre) && compareParsed(version, upper) < 0;
    }
  }
}

export function matchesRequirement(
  version: Version,
  requirement: Requirement,
  options: { allowPre?: boolean } = {},
): boolean {
  const allowPre = options.allowPre ?? true;
  return requirement.anyOf.some((group) => group.every((comparison) => holds(version, comparison, allowPre)));
}

/**
 * Does `version` satisfy `requirement`? The requirement is checked first: an invalid one throws
 * InvalidRequirementError even when the version is invalid too (then InvalidVersionError).
 */
export function satisfiesRequirement(
  version: string,
  requirement: string,
  options: { allowPre?: boolean } = {},
): boolean {
  const parsedRequirement = parseRequirement(requirement);
  return matchesRequirement(parseVersion(version), parsedRequirement, options);
}
