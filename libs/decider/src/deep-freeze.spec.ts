import { deepFreeze } from './deep-freeze';

describe('deepFreeze', () => {
  it('freezes plain objects and arrays all the way down, null-prototype objects too', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { n: { m: 1 } });
    const value = deepFreeze({ list: [{ a: 1 }, [2, { b: 3 }]], nested: { deeper: { c: 4 } }, bare });
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.list)).toBe(true);
    expect(Object.isFrozen(value.list[0])).toBe(true);
    expect(Object.isFrozen((value.list[1] as unknown[])[1])).toBe(true);
    expect(Object.isFrozen(value.nested.deeper)).toBe(true);
    expect(Object.isFrozen(bare.n)).toBe(true);
    expect(() => {
      'use strict';
      (value.nested.deeper as { c: number }).c = 5;
    }).toThrow(TypeError);
  });

  it('leaves instances of classes as they are', () => {
    const value = deepFreeze({ at: new Date(0), seen: new Map([['a', 1]]) });
    expect(Object.isFrozen(value)).toBe(true);
    expect(Object.isFrozen(value.at)).toBe(false);
    expect(Object.isFrozen(value.seen)).toBe(false);
  });

  it('takes a frozen part as frozen throughout and does not walk it again', () => {
    const shared = Object.freeze({ inner: { d: 1 } });
    deepFreeze({ shared });
    expect(Object.isFrozen(shared.inner)).toBe(false);
  });
});
