/** numpy.histogram rules, with known numpy outputs and a slow bin-by-bin count. */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../shared/errors';
import { StatsAccumulator } from '../../../shared/stats/accumulator';
import type { Histogram } from '../../../shared/stats/accumulator';
import { seeded } from './helpers';

function hist(values: number[], weights: number[], semantics: 'exact' | 'unweighted', bins: number, range?: [number, number]): Histogram {
  const acc = new StatsAccumulator({ stats: ['histogram'], semantics, histogram: { bins, range } });
  values.forEach((v, i) => acc.add(v, weights[i] ?? 1));
  const h = acc.result().histogram as Histogram | undefined;
  if (h === null || typeof h !== 'object') throw new Error('no histogram');
  return h;
}

describe('histogram (numpy.histogram rules)', () => {
  it('np.histogram([0, 1, 2, 3, 4], bins=4): edges 0..4, last bin closed -> [1, 1, 1, 2]', () => {
    expect(hist([0, 1, 2, 3, 4], [], 'unweighted', 4)).toEqual({ bins: [0, 1, 2, 3, 4], counts: [1, 1, 1, 2] });
  });
  it('weighted by coverage in exact mode', () => {
    expect(hist([0, 1, 2, 4, 3.999], [1, 0.5, 0.5, 0.25, 1], 'exact', 4)).toEqual({ bins: [0, 1, 2, 3, 4], counts: [1, 0.5, 0.5, 1.25] });
  });
  it('a given range drops values outside it', () => {
    expect(hist([-1, 0, 5, 10, 11], [], 'unweighted', 2, [0, 10])).toEqual({ bins: [0, 5, 10], counts: [1, 2] });
  });
  it('np.histogram([5, 5], bins=2): degenerate range widened to 4.5..5.5 -> [0, 2]', () => {
    expect(hist([5, 5], [], 'unweighted', 2)).toEqual({ bins: [4.5, 5, 5.5], counts: [0, 2] });
  });
  it('np.histogram([], bins=3): range 0..1, zero counts; edges i * (1/3)', () => {
    expect(hist([], [], 'unweighted', 3)).toEqual({ bins: [0, 1 / 3, 2 * (1 / 3), 1], counts: [0, 0, 0] });
  });
  it('edge rounding as numpy 2.4: 0.6 in bin 2 of range (0, 1) x 5 (edge 3 is 0.6000000000000001); 0.7 in bin 21 of (0, 0.9) x 27', () => {
    const a = hist([0.6, 0, 1], [], 'unweighted', 5, [0, 1]);
    expect(a).toEqual({ bins: [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1], counts: [1, 0, 1, 0, 1] });
    const b = hist([0.7, 0, 0.9], [], 'unweighted', 27, [0, 0.9]);
    expect(b.counts.map((c, k) => (c > 0 ? k : -1)).filter((k) => k >= 0)).toEqual([0, 21, 26]);
    expect(b.bins[21]).toBe(0.7);
  });
  it('bad options are SpecErrors', () => {
    expect(() => new StatsAccumulator({ stats: ['histogram'], semantics: 'exact', histogram: { bins: 0 } })).toThrow(SpecError);
    expect(() => new StatsAccumulator({ stats: ['histogram'], semantics: 'exact', histogram: { bins: 2.5 } })).toThrow(SpecError);
    expect(() => new StatsAccumulator({ stats: ['histogram'], semantics: 'exact', histogram: { bins: 3, range: [2, 1] } })).toThrow(/range/);
  });
  it('equals a slow per-bin count with numpy edges on seeded data (values on edges included)', () => {
    const rnd = seeded(9);
    for (let t = 0; t < 40; t++) {
      const n = 1 + Math.floor(rnd() * 2000);
      const nb = 1 + Math.floor(rnd() * 20);
      const values = Array.from({ length: n }, () => (t % 2 === 0 ? Math.floor(rnd() * 30) / 10 : rnd() * 7 - 2));
      const weights = values.map(() => rnd());
      const range: [number, number] | undefined = t % 3 === 0 ? [0, 2.5] : undefined;
      const h = hist(values, weights, 'exact', nb, range);
      const lo = range ? range[0] : Math.min(...values);
      const hi = range ? range[1] : Math.max(...values);
      const [a, b] = lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
      const step = (b - a) / nb;
      const edges = Array.from({ length: nb + 1 }, (_, i) => (i === nb ? b : i * step + a));
      expect(h.bins).toEqual(edges);
      const want = new Array<number>(nb).fill(0);
      values.forEach((x, i) => {
        for (let k = 0; k < nb; k++) {
          const inBin = k === nb - 1 ? x >= (edges[k] ?? 0) && x <= (edges[k + 1] ?? 0) : x >= (edges[k] ?? 0) && x < (edges[k + 1] ?? 0);
          if (inBin) want[k] = (want[k] ?? 0) + (weights[i] ?? 0);
        }
      });
      h.counts.forEach((c, k) => expect(c).toBeCloseTo(want[k] ?? NaN, 9));
    }
  });
});
