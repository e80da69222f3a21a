import { describe, expect, it } from 'vitest';
import { StatsAccumulator } from '../../../shared/stats/accumulator';
import type { StatName } from '../../../shared/stats/accumulator';
import { parseStatNames } from '../../../shared/stats/names';
import { SpecError } from '../../../shared/errors';

const ALL: StatName[] = ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'variance', 'median', 'majority', 'minority', 'variety', 'nodata_count', 'q25', 'q75'];

function feed(values: number[], weights: number[], semantics: 'exact' | 'unweighted', stats: StatName[] = ALL): Record<string, unknown> {
  const acc = new StatsAccumulator({ stats, semantics });
  values.forEach((v, i) => acc.add(v, weights[i] ?? 0));
  return acc.result();
}

describe('exact semantics (exactextract test cases, as arithmetic)', () => {
  it('3x3 raster 1..9 under the square 0.5..2.5', () => {
    const r = feed([1, 2, 3, 4, 5, 6, 7, 8, 9], [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25], 'exact');
    expect(r.count).toBe(4);
    expect(r.mean).toBeCloseTo(5, 14);
    expect(r.variance).toBeCloseTo(5, 12); // sum c (x-5)^2 / 4 = (0.25*(16+4+4+16) + 0.5*(9+1+1+9))/4
    expect(r.q25).toBeCloseTo(3.5, 12);
    expect(r.q75).toBeCloseTo(6.5, 12);
    expect(r.median).toBeCloseTo(5, 12);
    expect(r.min).toBe(1);
    expect(r.max).toBe(9);
    expect(r.majority).toBe(5);
    expect(r.minority).toBe(1); // weight .25 four times: tie -> smallest
    expect(r.variety).toBe(9);
  });
  it('count and sum are the coverage-weighted sums, mean their ratio', () => {
    // arbitrary values and fractions; a zero fraction contributes nothing
    const values = [1, 1, 3, 2, 4, 5, 6, 2, 0];
    const weights = [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.25, 0];
    const r = feed(values, weights, 'exact');
    const count = 0.25 + 0.5 + 0.25 + 0.5 + 1 + 0.5 + 0.25 + 0.25;
    const sum = 1 * 0.25 + 1 * 0.5 + 3 * 0.25 + 2 * 0.5 + 4 * 1 + 5 * 0.5 + 6 * 0.25 + 2 * 0.25;
    expect(r.count).toBeCloseTo(count, 14);
    expect(r.sum).toBeCloseTo(sum, 14);
    expect(r.mean).toBeCloseTo(sum / count, 14);
  });
  it('2x2 [[1,2],[3,4]] under a 0.5..1.5 square: majority tie -> largest, stdev 1.118034', () => {
    const r = feed([1, 2, 3, 4], [0.25, 0.25, 0.25, 0.25], 'exact');
    expect(r.count).toBe(1);
    expect(r.sum).toBe(2.5);
    expect(r.majority).toBe(4);
    expect(r.minority).toBe(1);
    expect(r.stdev).toBeCloseTo(Math.sqrt(1.25), 12);
  });
  it('zero weights are ignored entirely, nodata weight counted apart', () => {
    const acc = new StatsAccumulator({ stats: ['count', 'min', 'variety', 'nodata_count'], semantics: 'exact' });
    acc.add(-100, 0);
    acc.add(7, 0.5);
    acc.addNodata(0.25);
    acc.addNodata(0);
    expect(acc.result()).toEqual({ count: 0.5, min: 7, variety: 1, nodata_count: 0.25 });
  });
  it('empty: count 0, sum 0, variety 0, the rest undefined', () => {
    const r = feed([], [], 'exact', ['count', 'sum', 'mean', 'min', 'stdev', 'median', 'majority', 'variety', 'q10']);
    expect(r).toEqual({ count: 0, sum: 0, mean: null, min: null, stdev: null, median: null, majority: null, variety: 0, q10: null });
  });
});

/** numpy.percentile(..., method='linear'), written out. */
function numpyPercentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return (s[lo] ?? NaN) + ((s[hi] ?? NaN) - (s[lo] ?? NaN)) * (pos - lo);
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('unweighted semantics (rasterstats)', () => {
  it('numpy-known values', () => {
    const r = feed([1, 2, 3, 4], [1, 1, 1, 1], 'unweighted', ['median', 'q25', 'stdev']);
    expect(r.q25).toBe(1.75);
    expect(r.median).toBe(2.5);
    expect(r.stdev).toBeCloseTo(Math.sqrt(1.25), 14);
  });
  it('majority tie -> smallest (rasterstats), minority tie -> smallest', () => {
    const r = feed([5, 5, 2, 2, 9], [1, 1, 1, 1, 1], 'unweighted', ['majority', 'minority']);
    expect(r.majority).toBe(2);
    expect(r.minority).toBe(9);
  });
  it('matches a straightforward implementation on seeded data with many ties', () => {
    const rnd = seeded(42);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(rnd() * 300);
      const ints = trial % 2 === 0;
      const values = Array.from({ length: n }, () => (ints ? Math.floor(rnd() * 12) : rnd() * 100 - 50));
      const r = feed(values, values.map(() => 1), 'unweighted', ['count', 'sum', 'mean', 'stdev', 'median', 'q10', 'q90', 'majority', 'variety']);
      const mean = values.reduce((a, b) => a + b, 0) / n;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
      const freq = new Map<number, number>();
      values.forEach((v) => freq.set(v, (freq.get(v) ?? 0) + 1));
      const maxF = Math.max(...freq.values());
      const majority = Math.min(...[...freq].filter(([, f]) => f === maxF).map(([v]) => v));
      expect(r.count).toBe(n);
      expect(r.mean as number).toBeCloseTo(mean, 10);
      expect(r.stdev as number).toBeCloseTo(std, 10);
      expect(r.median as number).toBeCloseTo(numpyPercentile(values, 0.5), 10);
      expect(r.q10 as number).toBeCloseTo(numpyPercentile(values, 0.1), 10);
      expect(r.q90 as number).toBeCloseTo(numpyPercentile(values, 0.9), 10);
      expect(r.majority).toBe(majority);
      expect(r.variety).toBe(freq.size);
    }
  });
});

describe('weighted quantiles with unit weights equal numpy linear percentiles', () => {
  it('on seeded data', () => {
    const rnd = seeded(7);
    for (let t = 0; t < 20; t++) {
      const values = [...new Set(Array.from({ length: 2 + Math.floor(rnd() * 50) }, () => Math.round(rnd() * 1000) / 10))];
      const r = feed(values, values.map(() => 1), 'exact', ['q10', 'q33', 'median', 'q90']);
      expect(r.q10 as number).toBeCloseTo(numpyPercentile(values, 0.1), 9);
      expect(r.q33 as number).toBeCloseTo(numpyPercentile(values, 0.33), 9);
      expect(r.median as number).toBeCloseTo(numpyPercentile(values, 0.5), 9);
      expect(r.q90 as number).toBeCloseTo(numpyPercentile(values, 0.9), 9);
    }
  });
});

describe('histogram (numpy.histogram rules)', () => {
  it('equal bins over min..max, last bin closed, weighted', () => {
    const acc = new StatsAccumulator({ stats: ['histogram'], semantics: 'exact', histogram: { bins: 4 } });
    [[0, 1], [1, 0.5], [2, 0.5], [4, 0.25], [3.999, 1]].forEach(([v, w]) => acc.add(v ?? 0, w ?? 0));
    expect(acc.result().histogram).toEqual({ bins: [0, 1, 2, 3, 4], counts: [1, 0.5, 0.5, 1.25] });
  });
  it('a given range drops values outside it', () => {
    const acc = new StatsAccumulator({ stats: ['histogram'], semantics: 'unweighted', histogram: { bins: 2, range: [0, 10] } });
    [-1, 0, 5, 10, 11].forEach((v) => acc.add(v, 1));
    expect(acc.result().histogram).toEqual({ bins: [0, 5, 10], counts: [1, 2] });
  });
});

describe('addWindow = add one by one', () => {
  it('on 10^6 cells to 1e-12 relative', () => {
    const rnd = seeded(3);
    const n = 1_000_000;
    const values = new Float64Array(n);
    const valid = new Uint8Array(n);
    const weights = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      values[i] = Math.floor(rnd() * 5000);
      valid[i] = rnd() < 0.9 ? 1 : 0;
      weights[i] = rnd() < 0.1 ? 0 : rnd();
    }
    const stats: StatName[] = ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'nodata_count', 'median'];
    const a = new StatsAccumulator({ stats, semantics: 'exact' });
    a.addWindow(values, valid, weights);
    const b = new StatsAccumulator({ stats, semantics: 'exact' });
    for (let i = 0; i < n; i++) {
      if (valid[i]) b.add(values[i] ?? 0, weights[i] ?? 0);
      else b.addNodata(weights[i] ?? 0);
    }
    const ra = a.result();
    const rb = b.result();
    for (const s of stats) expect(Math.abs((ra[s] as number) - (rb[s] as number))).toBeLessThanOrEqual(Math.abs(rb[s] as number) * 1e-12);
  });
});

describe('parseStatNames', () => {
  it('accepts the names and qNN, rejects unknown ones listing them', () => {
    expect(parseStatNames(['mean', 'q2.5', 'q90', 'mean'])).toEqual(['mean', 'q2.5', 'q90']);
    expect(() => parseStatNames(['avg', 'q101'])).toThrow(SpecError);
    expect(() => parseStatNames(['avg'])).toThrow(/"avg".*valid: count, sum/);
  });
});
