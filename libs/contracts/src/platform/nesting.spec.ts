import { MAX_JSON_DEPTH, nestsDeeperThan } from './nesting';

/** Objects and arrays taking turns, `levels` deep. */
const nested = (levels: number): unknown =>
  Array.from({ length: levels }).reduce<unknown>((inner, _, i) => (i % 2 ? { inner } : [inner]), 'leaf');

describe('JSON nesting', () => {
  it('allows values up to the limit and refuses one level more', () => {
    expect(nestsDeeperThan({ name: 'x', tags: ['a'], n: 1, none: null })).toBe(false);
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(nestsDeeperThan({ ok: 1, deep: nested(MAX_JSON_DEPTH) })).toBe(true);
  });

  it('answers for a value far too deep to walk by recursion, without walking it', () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(nestsDeeperThan(deep)).toBe(true);
  });
});
