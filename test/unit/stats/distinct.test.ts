/** Grouping into distinct values (dense, native sort, radix) and the radix permutation, against Map/comparator versions. */
import { describe, expect, it } from 'vitest';
import { groupDistinct } from '../../../shared/stats/distinct';
import { sortOrder } from '../../../shared/stats/radix';
import { seeded } from './helpers';

/** Distinct values ascending with weights summed in input order, via a Map. */
function slowGroup(values: number[], weights: number[] | null): { xs: number[]; ws: number[] } {
  const m = new Map<number, number>();
  values.forEach((v, i) => m.set(v, (m.get(v) ?? 0) + (weights === null ? 1 : (weights[i] ?? 0))));
  const xs = [...m.keys()].sort((a, b) => a - b);
  return { xs, ws: xs.map((x) => m.get(x) ?? 0) };
}

describe('sortOrder (radix)', () => {
  it('is the stable ascending order, for negatives, -0, infinities, subnormals, huge and tiny values', () => {
    const rnd = seeded(1);
    const specials = [0, -0, Infinity, -Infinity, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1, -1, 2 ** 52 + 1];
    for (const n of [1, 7, 600, 5000]) {
      const values = Array.from({ length: n }, (_, i) => (i % 13 === 0 ? (specials[i % specials.length] ?? 0) : rnd() < 0.3 ? Math.floor(rnd() * 5) : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20)));
      const got = Array.from(sortOrder(Float64Array.from(values), n));
      const want = values.map((_, i) => i).sort((a, b) => (values[a] ?? 0) - (values[b] ?? 0) || (Object.is(values[a], -0) && values[b] === 0 && !Object.is(values[b], -0) ? -1 : Object.is(values[b], -0) && values[a] === 0 && !Object.is(values[a], -0) ? 1 : a - b));
      expect(got).toEqual(want);
    }
  });
  it('sorts the first n entries of a subarray view', () => {
    const base = Float64Array.of(9, 3, 1, 2, -4, 8);
    expect(Array.from(sortOrder(base.subarray(1, 5), 3))).toEqual([1, 2, 0]);
  });
});

describe('groupDistinct', () => {
  const cases = [
    { name: 'bytes (dense)', gen: (r: () => number) => Math.floor(r() * 256) },
    { name: 'negative integers, wide span (sort)', gen: (r: () => number) => Math.floor(r() * 1e6) - 5e5 },
    { name: 'integers then one fraction (dense falls back)', gen: (r: () => number) => (r() < 0.01 ? 0.5 : Math.floor(r() * 10)) },
    { name: 'floats (sort)', gen: (r: () => number) => Math.fround(r() * 3) },
    { name: 'zeros of both signs', gen: (r: () => number) => (r() < 0.5 ? -0 : r() < 0.5 ? 0 : 1) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const rnd = seeded(3);
      for (const n of [1, 50, 511, 512, 3000]) {
        const values = Array.from({ length: n }, () => c.gen(rnd));
        const weights = values.map(() => rnd());
        const min = Math.min(...values);
        const max = Math.max(...values);
        for (const w of [weights, null]) {
          const g = groupDistinct(Float64Array.from(values), w === null ? null : Float64Array.from(w), n, min, max);
          const want = slowGroup(values, w);
          expect(Array.from(g.xs)).toEqual(want.xs); // -0 and 0 are one value, reported as 0 (Map keys too)
          // weights summed in input order in every strategy: equal bit for bit
          expect(Array.from(g.ws)).toEqual(want.ws);
        }
      }
    });
  }
});
