import { hashOf, RowIndex } from './row-index';

describe('a row index', () => {
  it('finds what a Map finds, through thousands of sets, deletes, growth and reservations', () => {
    let seed = 3;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    // Row r holds key pair keys[r]; a key may move to a newer row, as a re-registered device would.
    const keys: [string, string][] = [];
    const index = new RowIndex((row, a, b) => keys[row][0] === a && keys[row][1] === b);
    const model = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const key: [string, string] = [`org-${random(3)}`, `device-${random(5_000)}`];
      const name = key.join('/');
      if (random(10) < 3 && model.has(name)) {
        index.delete(key[0], key[1], model.get(name)!);
        model.delete(name);
      } else {
        keys.push(key);
        index.set(key[0], key[1], keys.length - 1);
        model.set(name, keys.length - 1);
      }
      if (i % 5_000 === 0) index.reserve(random(10_000));
      if (i % 997 === 0) {
        const found = [...model.keys()].map((n) => [n, index.get(...(n.split('/') as [string, string]))]);
        expect(found).toEqual([...model]);
        expect(index.get('org-9', 'device-1')).toBeUndefined();
        expect(index.size).toBe(model.size);
      }
    }
  });

  it('tells a key of two parts from the same characters split elsewhere, and deletes only the row it names', () => {
    const keys = [
      ['ab', 'c'],
      ['a', 'bc'],
    ];
    const index = new RowIndex((row, a, b) => keys[row][0] === a && keys[row][1] === b);
    index.set('ab', 'c', 0);
    index.set('a', 'bc', 1);
    expect([index.get('ab', 'c'), index.get('a', 'bc'), index.get('abc')]).toEqual([0, 1, undefined]);
    index.delete('ab', 'c', 1);
    expect(index.get('ab', 'c')).toBe(0);
    index.delete('ab', 'c', 0);
    expect(index.get('ab', 'c')).toBeUndefined();
  });

  it('tells apart keys that share the characters it hashes', () => {
    const keys = Array.from({ length: 100 }, (_, i) => `same-prefix-${i}`);
    const index = new RowIndex(
      (row, a) => keys[row] === a,
      (a) => hashOf(a, '', 4),
    );
    keys.forEach((key, row) => index.set(key, '', row));
    expect(keys.map((key) => index.get(key))).toEqual(keys.map((_, row) => row));
    expect(index.get('same-prefix-100')).toBeUndefined();
  });

  it('fills from rows as set would one after the other: later rows take a key over, skipped rows stay out', () => {
    let seed = 11;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const keys = Array.from({ length: 30_000 }, () => [`org-${random(2)}`, `d-${random(12_000)}`]);
    const skipped = (row: number) => row % 7 === 0;
    const holds = (row: number, a: string, b: string) => keys[row][0] === a && keys[row][1] === b;
    const expected = new Map<string, number>();
    keys.forEach(([a, b], row) => skipped(row) || expected.set(`${a}/${b}`, row));
    const lookups = (index: RowIndex) =>
      [...expected.keys()].map((k) => index.get(...(k.split('/') as [string, string])));

    const filled = new RowIndex(holds, (a, b) => hashOf(a, b, 3));
    filled.fill(
      0,
      keys.length,
      (row) => (skipped(row) ? null : filled.hash(keys[row][0], keys[row][1])),
      (a, b) => keys[a][0] === keys[b][0] && keys[a][1] === keys[b][1],
    );
    expect(lookups(filled)).toEqual([...expected.values()]);
    expect(filled.size).toBe(expected.size);
    expect(filled.get('org-0', 'd-12000')).toBeUndefined();
    // Only an empty index is filled (rows after those are set one by one).
    expect(() =>
      filled.fill(
        0,
        1,
        () => 0,
        () => false,
      ),
    ).toThrow('only an empty index is filled');
  });
});
