import { planPlacement } from './plan-placement';

const seed = { sjc1: 7, ewr1: 24, dfw1: 50 };

describe('planPlacement', () => {
  describe("the seed's examples (capacities SJC1 7, EWR1 24, DFW1 50; list sjc1, ewr1, any)", () => {
    const facility = ['sjc1', 'ewr1', 'any'];

    it('diversity 1, quantity 10 → all 10 in EWR1', () => {
      expect(planPlacement({ facility, facilityDiversityLevel: 1, quantity: 10 }, seed)).toEqual({
        ok: true,
        allocations: [{ facility: 'ewr1', quantity: 10 }],
      });
    });

    it('diversity 2, quantity 25 → SJC1 7 + EWR1 18', () => {
      expect(planPlacement({ facility, facilityDiversityLevel: 2, quantity: 25 }, seed)).toEqual({
        ok: true,
        allocations: [
          { facility: 'sjc1', quantity: 7 },
          { facility: 'ewr1', quantity: 18 },
        ],
      });
    });

    it('no diversity level fills greedily in priority order', () => {
      expect(planPlacement({ facility, quantity: 40 }, seed)).toEqual({
        ok: true,
        allocations: [
          { facility: 'sjc1', quantity: 7 },
          { facility: 'ewr1', quantity: 24 },
          { facility: 'dfw1', quantity: 9 },
        ],
      });
    });
  });

  it('expands "any" by available descending, then code', () => {
    expect(planPlacement({ facility: 'any', quantity: 30 }, { b: 10, a: 10, c: 20 })).toEqual({
      ok: true,
      allocations: [
        { facility: 'c', quantity: 20 },
        { facility: 'a', quantity: 10 },
      ],
    });
  });

  it('expands "any" in the middle to the facilities not named anywhere else', () => {
    expect(planPlacement({ facility: ['a', 'any', 'b'], quantity: 12 }, { a: 5, b: 100, c: 3, d: 4 })).toEqual({
      ok: true,
      allocations: [
        { facility: 'a', quantity: 5 },
        { facility: 'd', quantity: 4 },
        { facility: 'c', quantity: 3 },
      ],
    });
  });

  it('drops duplicates, matching codes case-insensitively', () => {
    expect(
      planPlacement({ facility: ['EWR1', 'ewr1', 'sjc1'], facilityDiversityLevel: 2, quantity: 30 }, seed),
    ).toEqual({
      ok: true,
      allocations: [
        { facility: 'ewr1', quantity: 24 },
        { facility: 'sjc1', quantity: 6 },
      ],
    });
  });

  it('drops facilities with zero capacity, so they do not use up the diversity level', () => {
    expect(
      planPlacement({ facility: ['a', 'b', 'c'], facilityDiversityLevel: 2, quantity: 8 }, { a: 0, b: 5, c: 3 }),
    ).toEqual({
      ok: true,
      allocations: [
        { facility: 'b', quantity: 5 },
        { facility: 'c', quantity: 3 },
      ],
    });
  });

  it('accepts a quantity exactly equal to the capacity', () => {
    expect(planPlacement({ facility: 'any', quantity: 81 }, seed)).toMatchObject({ ok: true });
    expect(planPlacement({ facility: 'any', quantity: 82 }, seed)).toMatchObject({ ok: false });
  });

  it('treats a diversity level larger than the facility count as no limit', () => {
    expect(planPlacement({ facility: 'any', facilityDiversityLevel: 10, quantity: 81 }, seed)).toMatchObject({
      ok: true,
    });
  });

  it('fails with a reason a user can act on', () => {
    expect(
      planPlacement(
        { facility: ['sjc1', 'ewr1', 'any'], facilityDiversityLevel: 1, quantity: 60, plan: 'c1.small.x86' },
        seed,
      ),
    ).toEqual({
      ok: false,
      error:
        'not enough capacity for 60 x c1.small.x86 in at most 1 facility among sjc1, ewr1, dfw1 (largest: dfw1 with 50)',
    });
    expect(planPlacement({ facility: 'nowhere', quantity: 1 }, seed)).toEqual({
      ok: false,
      error: 'not enough capacity for 1 x servers among nowhere (largest: nowhere with 0)',
    });
  });

  it('places 1,000 facilities with diversity 5 quickly enough to run per request', () => {
    const available = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`f${i}`, (i * 7919) % 13]));
    const result = planPlacement({ facility: 'any', facilityDiversityLevel: 5, quantity: 60 }, available);
    expect(result).toMatchObject({ ok: true });
  });

  describe('agrees with a brute-force reading of §5 on random cases', () => {
    function bruteForce(list: string[], n: number | undefined, q: number, available: Record<string, number>) {
      const named = new Set(list.filter((c) => c !== 'any'));
      const any = Object.keys(available)
        .filter((c) => !named.has(c))
        .sort((a, b) => available[b] - available[a] || a.localeCompare(b));
      const candidates: string[] = [];
      for (const code of list)
        for (const c of code === 'any' ? any : [code]) if (!candidates.includes(c)) candidates.push(c);
      const positive = candidates.filter((c) => (available[c] ?? 0) > 0);
      const limit = n ?? positive.length;
      // Enumerate sets in lexicographic order of position lists: preorder of increasing sequences.
      const sets: number[][] = [];
      const walk = (prefix: number[], from: number) => {
        for (let i = from; i < positive.length; i++) {
          const set = [...prefix, i];
          sets.push(set);
          if (set.length < limit) walk(set, i + 1);
        }
      };
      walk([], 0);
      const first = sets.find((s) => s.reduce((sum, i) => sum + available[positive[i]], 0) >= q);
      if (!first) return null;
      let remaining = q;
      const allocations = [];
      for (const i of first) {
        if (!remaining) break;
        const take = Math.min(available[positive[i]], remaining);
        allocations.push({ facility: positive[i], quantity: take });
        remaining -= take;
      }
      return allocations;
    }

    let seedValue = 42;
    const random = (max: number) => {
      seedValue = (seedValue * 1103515245 + 12345) % 2 ** 31;
      return seedValue % max;
    };

    it.each(Array.from({ length: 300 }, (_, i) => i))('case %i', () => {
      const codes = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].slice(0, 2 + random(6));
      const available = Object.fromEntries(codes.map((c) => [c, random(4) === 0 ? 0 : random(20)]));
      const list = Array.from({ length: 1 + random(4) }, () => (random(4) === 0 ? 'any' : codes[random(codes.length)]));
      const n = random(3) === 0 ? undefined : 1 + random(4);
      const q = 1 + random(40);
      const expected = bruteForce(list, n, q, available);
      const actual = planPlacement({ facility: list, facilityDiversityLevel: n, quantity: q }, available);
      if (expected) expect(actual).toEqual({ ok: true, allocations: expected });
      else expect(actual.ok).toBe(false);
    });
  });
});
