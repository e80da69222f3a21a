/**
 * Unweighted (rasterstats) semantics: numpy-known values written out, and a
 * comparison with a straightforward implementation (sort, two-pass std, the
 * numpy percentile formula, frequency map) on seeded data.
 */
import { describe, expect, it } from 'vitest';
import { StatsAccumulator } from '../../../shared/stats/accumulator';
import type { StatName } from '../../../shared/stats/accumulator';
import { feed, num, seeded, slowMedian, slowPercentile } from './helpers';

describe('unweighted semantics: numpy-known values', () => {
  it('[1, 2, 3, 4]: percentile 25 = 1.75, median 2.5, std 1.118033988749895, var 1.25', () => {
    const r = feed([1, 2, 3, 4], [1, 1, 1, 1], 'unweighted', ['q25', 'median', 'q50', 'stdev', 'variance', 'count', 'sum', 'mean']);
    expect(r.q25).toBe(1.75);
    expect(r.median).toBe(2.5);
    expect(r.q50).toBe(2.5);
    expect(num(r.stdev)).toBeCloseTo(1.118033988749895, 15);
    expect(r.variance).toBe(1.25);
    expect(r).toMatchObject({ count: 4, sum: 10, mean: 2.5 });
  });
  it('[10, 7, 4, 3, 2, 1]: percentile 90 = 8.5, percentile 10 = 1.5, median 3.5', () => {
    const r = feed([10, 7, 4, 3, 2, 1], [1, 1, 1, 1, 1, 1], 'unweighted', ['q90', 'q10', 'median']);
    expect(r.q90).toBe(7 + 0.5 * (10 - 7)); // index 0.9 * 5 = 4.5
    expect(r.q10).toBe(1 + 0.5 * (2 - 1)); // index 0.5
    expect(r.median).toBe((3 + 4) / 2);
  });
  it('[1, 2, 3, 4, 5]: percentile 10 = 1.4, percentile 2.5 = 1.1, median 3', () => {
    const r = feed([5, 1, 4, 2, 3], [1, 1, 1, 1, 1], 'unweighted', ['q10', 'q2.5', 'median']);
    expect(num(r.q10)).toBeCloseTo(1.4, 15);
    expect(num(r['q2.5'])).toBeCloseTo(1.1, 15);
    expect(r.median).toBe(3);
  });
  it('numpy bit for bit: median is the mean of the middle pair, percentile 50 is _lerp (numpy 2.4 outputs)', () => {
    const a = feed([8.97, -7.12], [1, 1], 'unweighted', ['median', 'q50']);
    expect(a).toEqual({ median: 0.9250000000000003, q50: 0.9250000000000007 });
    const b = feed([-3.76, -1.53], [1, 1], 'unweighted', ['median', 'q50']);
    expect(b).toEqual({ median: -2.645, q50: -2.6449999999999996 });
    const xs = [0.1, 0.7, 1.3, 2.9, 5.5];
    const c = feed(xs, xs.map(() => 1), 'unweighted', ['q10', 'q30', 'q60', 'q70', 'q90', 'q95', 'q62.5', 'stdev']);
    expect(c).toEqual({ q10: 0.33999999999999997, q30: 0.82, q60: 1.94, q70: 2.5799999999999996, q90: 4.46, q95: 4.9799999999999995, 'q62.5': 2.1, stdev: c.stdev });
    expect(num(c.stdev)).toBeCloseTo(1.9390719429665317, 14);
  });
  it('the README example: [1, 2, 2, 3, 4, 4, 4, 9] and one nodata cell (numpy 2.4 outputs)', () => {
    const v = [4, 2, 9, 1, 4, 3, 2, 4];
    const acc = new StatsAccumulator({ stats: ['count', 'sum', 'mean', 'min', 'max', 'variance', 'stdev', 'median', 'q25', 'q90', 'majority', 'minority', 'variety', 'nodata_count', 'histogram'], semantics: 'unweighted', histogram: { bins: 4 } });
    v.forEach((x) => acc.add(x, 1));
    acc.addNodata(1);
    const r = acc.result();
    expect(r).toEqual({
      count: 8, sum: 29, mean: 3.625, min: 1, max: 9, variance: r.variance, stdev: r.stdev, median: 3.5, q25: 2, q90: 5.499999999999999,
      majority: 4, minority: 1, variety: 5, nodata_count: 1, histogram: { bins: [1, 3, 5, 7, 9], counts: [3, 4, 0, 1] },
    });
    expect(num(r.variance)).toBeCloseTo(5.234375, 14);
    expect(num(r.stdev)).toBeCloseTo(2.2878756522153907, 14);
  });
  it('majority: most frequent, ties -> smallest; minority: least frequent, ties -> smallest', () => {
    const r = feed([5, 5, 2, 2, 9, 8], [1, 1, 1, 1, 1, 1], 'unweighted', ['majority', 'minority', 'variety']);
    expect(r).toEqual({ majority: 2, minority: 8, variety: 4 });
  });
  it('any weight > 0 counts as one cell; nodata counted in cells', () => {
    const acc = new StatsAccumulator({ stats: ['count', 'sum', 'mean', 'nodata_count', 'median'], semantics: 'unweighted' });
    acc.addWindow(Float64Array.from([4, 6, 100, 8, NaN]), Uint8Array.from([1, 1, 1, 0, 1]), Float64Array.from([0.3, 1, 0, 0.7, 0.2]));
    expect(acc.result()).toEqual({ count: 2, sum: 10, mean: 5, nodata_count: 2, median: 5 });
  });
  it('empty: count 0, sum 0 (as the reference CSVs; rasterstats itself says None), variety 0, the rest null', () => {
    const acc = new StatsAccumulator({ stats: ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'median', 'q10', 'majority', 'minority', 'variety', 'nodata_count'], semantics: 'unweighted' });
    acc.addNodata(1);
    acc.addNodata(1);
    expect(acc.result()).toEqual({ count: 0, sum: 0, mean: null, min: null, max: null, stdev: null, median: null, q10: null, majority: null, minority: null, variety: 0, nodata_count: 2 });
  });
});

describe('unweighted semantics vs a straightforward implementation on seeded data', () => {
  const stats: StatName[] = ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'variance', 'median', 'q10', 'q25', 'q90', 'q2.5', 'majority', 'minority', 'variety'];
  const cases = [
    { name: 'small integers with many ties', seed: 42, gen: (r: () => number) => Math.floor(r() * 12) },
    { name: 'wide integers (sparse span)', seed: 43, gen: (r: () => number) => Math.floor(r() * 1e7) - 5e6 },
    { name: 'floats', seed: 44, gen: (r: () => number) => r() * 100 - 50 },
    { name: 'float32-like floats with ties', seed: 45, gen: (r: () => number) => Math.fround(Math.floor(r() * 50) / 7) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const rnd = seeded(c.seed);
      for (let trial = 0; trial < 30; trial++) {
        // sizes on both sides of the native-sort / radix threshold
        const n = 1 + Math.floor(rnd() * (trial % 2 === 0 ? 300 : 5000));
        const values = Array.from({ length: n }, () => c.gen(rnd));
        const r = feed(values, values.map(() => 1), 'unweighted', stats);
        const sorted = [...values].sort((a, b) => a - b);
        const mean = values.reduce((a, b) => a + b, 0) / n;
        const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
        const freq = new Map<number, number>();
        values.forEach((v) => freq.set(v, (freq.get(v) ?? 0) + 1));
        const maxF = Math.max(...freq.values());
        const minF = Math.min(...freq.values());
        const scale = Math.max(1, Math.abs(sorted[0] ?? 0), Math.abs(sorted[n - 1] ?? 0));
        expect(r.count).toBe(n);
        expect(Math.abs(num(r.sum) - values.reduce((a, b) => a + b, 0))).toBeLessThanOrEqual(1e-12 * scale * n);
        expect(Math.abs(num(r.mean) - mean)).toBeLessThanOrEqual(1e-12 * scale);
        expect(r.min).toBe(sorted[0]);
        expect(r.max).toBe(sorted[n - 1]);
        expect(Math.abs(num(r.variance) - variance)).toBeLessThanOrEqual(1e-10 * scale * scale);
        expect(Math.abs(num(r.stdev) - Math.sqrt(variance))).toBeLessThanOrEqual(1e-10 * scale);
        // order statistics are exact: same formula on the same sorted values
        expect(r.median).toBe(slowMedian(values));
        expect(r.q10).toBe(slowPercentile(values, 0.1));
        expect(r.q25).toBe(slowPercentile(values, 0.25));
        expect(r.q90).toBe(slowPercentile(values, 0.9));
        expect(r['q2.5']).toBe(slowPercentile(values, 0.025));
        expect(r.majority).toBe(Math.min(...[...freq].filter(([, f]) => f === maxF).map(([v]) => v)));
        expect(r.minority).toBe(Math.min(...[...freq].filter(([, f]) => f === minF).map(([v]) => v)));
        expect(r.variety).toBe(freq.size);
      }
    });
  }
});
