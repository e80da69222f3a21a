/**
 * Exact (exactextract) semantics: the cases of exactextract's test/test_stats.cpp
 * and the reference README, fed as values and coverage fractions, with the
 * expected values written out as arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { StatsAccumulator } from '../../../shared/stats/accumulator';
import type { StatName } from '../../../shared/stats/accumulator';
import { closeRel, feed, num, seeded, slowWeightedQuantile } from './helpers';

const ALL: StatName[] = ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'variance', 'median', 'majority', 'minority', 'variety', 'nodata_count', 'q25', 'q75'];

describe('exact semantics: exactextract test cases', () => {
  it('3x3 raster 1..9 under the square 0.5..2.5: count 4, mean 5, variance 5, q25 3.5, q75 6.5', () => {
    const cov = [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25];
    const r = feed([1, 2, 3, 4, 5, 6, 7, 8, 9], cov, 'exact', ALL);
    expect(r.count).toBe(4);
    expect(r.sum).toBe(1 * 0.25 + 2 * 0.5 + 3 * 0.25 + 4 * 0.5 + 5 + 6 * 0.5 + 7 * 0.25 + 8 * 0.5 + 9 * 0.25);
    expect(num(r.mean)).toBeCloseTo(5, 14);
    // sum c (x - 5)^2 / 4 = (0.25 (16+4+4+16) + 0.5 (9+1+1+9)) / 4
    expect(num(r.variance)).toBeCloseTo((0.25 * (16 + 4 + 4 + 16) + 0.5 * (9 + 1 + 1 + 9)) / 4, 12);
    expect(num(r.stdev)).toBeCloseTo(Math.sqrt(5), 12);
    // s = [0, 2.5, 6.5, 9.5, 16, ...], S = 8 * 4 = 32; q25: target 8 between s2 = 6.5 (x 3) and s3 = 9.5 (x 4)
    expect(num(r.q25)).toBeCloseTo(3 + (8 - 6.5) / (9.5 - 6.5), 12);
    expect(num(r.q25)).toBeCloseTo(3.5, 12);
    expect(num(r.q75)).toBeCloseTo(6.5, 12);
    expect(num(r.median)).toBeCloseTo(5, 12);
    expect(r.min).toBe(1);
    expect(r.max).toBe(9);
    expect(r.majority).toBe(5);
    expect(r.minority).toBe(1); // four values with 0.25: tie -> smallest
    expect(r.variety).toBe(9);
    expect(r.nodata_count).toBe(0);
  });

  it('the README example: the 3x3 case with a 4-bin histogram over 1..9', () => {
    const r = feed([1, 2, 3, 4, 5, 6, 7, 8, 9], [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25], 'exact', ['histogram', 'median'], { bins: 4 });
    // [1,3): 0.25 + 0.5; [3,5): 0.25 + 0.5; [5,7): 1 + 0.5; [7,9]: 0.25 + 0.5 + 0.25
    expect(r).toEqual({ histogram: { bins: [1, 3, 5, 7, 9], counts: [0.75, 0.75, 1.5, 1] }, median: 5 });
  });
  it('5x5 "unweighted stats" grid (extent -1..4) under 0.5..2.5 with one nodata cell, fed as a window', () => {
    const NA = NaN;
    const values = [1, 1, 1, 1, 1, 1, 1, 2, 3, 1, 1, 4, 5, 6, 1, 1, 0, NA, 7, 1, 1, 1, 1, 1, 1];
    const cov = [0, 0, 0, 0, 0, 0, 0.25, 0.5, 0.25, 0, 0, 0.5, 1, 0.5, 0, 0, 0.25, 0.5, 0.25, 0, 0, 0, 0, 0, 0];
    const acc = new StatsAccumulator({ stats: [...ALL], semantics: 'exact' });
    acc.addWindow(Float64Array.from(values), Uint8Array.from(values, (v) => (Number.isNaN(v) ? 0 : 1)), Float64Array.from(cov));
    const r = acc.result();
    expect(r.count).toBe(0.25 + 0.5 + 0.25 + (0.5 + 1 + 0.5) + (0.25 + 0.25));
    expect(r.count).toBe(3.5);
    expect(r.sum).toBe(1 * 0.25 + 2 * 0.5 + 3 * 0.25 + (4 * 0.5 + 5 * 1 + 6 * 0.5) + (0 * 0.25 + 7 * 0.25));
    expect(r.sum).toBe(13.75);
    expect(r.mean).toBe(13.75 / 3.5);
    expect(r.majority).toBe(5);
    expect(r.minority).toBe(0); // 0, 1, 3, 7 each 0.25: tie -> smallest
    expect(r.min).toBe(0);
    expect(r.max).toBe(7);
    expect(r.variety).toBe(8); // 0..7; the 1s of the uncovered border do not count twice
    expect(r.nodata_count).toBe(0.5);
  });

  it('2x2 [[1,2],[3,4]] under 0.5..1.5 (0.25 each): count 1, sum 2.5, majority 4 (tie -> largest), stdev 1.118034', () => {
    const r = feed([1, 2, 3, 4], [0.25, 0.25, 0.25, 0.25], 'exact', ALL);
    expect(r.count).toBe(1);
    expect(r.sum).toBe(2.5);
    expect(r.mean).toBe(2.5);
    expect(r.min).toBe(1);
    expect(r.max).toBe(4);
    expect(r.majority).toBe(4);
    expect(r.minority).toBe(1);
    expect(num(r.variance)).toBeCloseTo(1.25, 14); // (2.25 + 0.25 + 0.25 + 2.25) / 4
    expect(num(r.stdev)).toBeCloseTo(1.118034, 6);
  });

  it('2x2 with the bottom row nodata: count 0.5, sum 0.75, mean 1.5, majority 2, variance 0.25', () => {
    const r = feed([1, 2, NaN, NaN], [0.25, 0.25, 0.25, 0.25], 'exact', ALL);
    expect(r.count).toBe(0.5);
    expect(r.sum).toBe(0.75);
    expect(r.mean).toBe(1.5);
    expect(r.min).toBe(1);
    expect(r.max).toBe(2);
    expect(r.majority).toBe(2);
    expect(r.minority).toBe(1);
    expect(num(r.variance)).toBeCloseTo(0.25, 14);
    expect(num(r.stdev)).toBeCloseTo(0.5, 14);
    expect(r.nodata_count).toBe(0.5);
  });

  it('2x2 all nodata: count 0, sum 0, variety 0, the rest null, nodata counted', () => {
    const r = feed([NaN, NaN, NaN, NaN], [0.25, 0.25, 0.25, 0.25], 'exact', [...ALL, 'histogram']);
    expect(r).toEqual({
      count: 0, sum: 0, mean: null, min: null, max: null, stdev: null, variance: null, median: null,
      majority: null, minority: null, variety: 0, nodata_count: 1, q25: null, q75: null,
      histogram: { bins: [0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001, 0.8, 0.9, 1], counts: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] },
    });
  });

  it('WestVariance, equal weights 3.0: stdev 32.80967, variance 1076.474 (R)', () => {
    const xs = [3.4, 2.9, 1.7, 8.8, -12.7, 100.4, 8.4, 11.3];
    const r = feed(xs, xs.map(() => 3), 'exact', ['stdev', 'variance']);
    expect(closeRel(num(r.stdev), 32.80967, 1e-6)).toBe(true);
    expect(closeRel(num(r.variance), 1076.474, 1e-6)).toBe(true);
    // two-pass, written out
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(num(r.variance)).toBeCloseTo(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length, 10);
  });

  it('WestVariance, unequal weights (one 0): stdev 25.90092, variance 670.8578 (R Weighted.Desc.Stat)', () => {
    const xs = [3.4, 2.9, 1.7, 8.8, -12.7, 100.4, 8.4, 11.3, 50];
    const ws = [1.0, 0.1, 1.0, 0.2, 0.44, 0.3, 0.3, 0.83, 0];
    const r = feed(xs, ws, 'exact', ['stdev', 'variance', 'count', 'max']);
    expect(closeRel(num(r.stdev), 25.90092, 1e-6)).toBe(true);
    expect(closeRel(num(r.variance), 670.8578, 1e-6)).toBe(true);
    expect(r.max).toBe(100.4); // 50 has weight 0: ignored entirely
    const sw = ws.reduce((a, b) => a + b, 0);
    const m = xs.reduce((a, x, i) => a + x * (ws[i] ?? 0), 0) / sw;
    expect(num(r.variance)).toBeCloseTo(xs.reduce((a, x, i) => a + (ws[i] ?? 0) * (x - m) ** 2, 0) / sw, 10);
    expect(num(r.count)).toBeCloseTo(sw, 14);
  });

  it('weighted quantiles with equal weights 1.7 equal R stats::quantile: -12.7, 2.6, 5.9, 9.425, 100.4', () => {
    const xs = [3.4, 2.9, 1.7, 8.8, -12.7, 100.4, 8.4, 11.3];
    const r = feed(xs, xs.map(() => 1.7), 'exact', ['q0', 'q25', 'median', 'q75', 'q100']);
    expect(r.q0).toBe(-12.7);
    expect(num(r.q25)).toBeCloseTo(2.6, 12);
    expect(num(r.median)).toBeCloseTo(5.9, 12);
    expect(num(r.q75)).toBeCloseTo(9.425, 12);
    expect(num(r.q100)).toBeCloseTo(100.4, 12);
  });

  it('weighted quantiles are refreshed after more cells (median 2, then 2.5)', () => {
    const acc = new StatsAccumulator({ stats: ['median', 'variety'], semantics: 'exact' });
    [1, 2, 3].forEach((x) => acc.add(x, 1));
    expect(acc.result()).toEqual({ median: 2, variety: 3 });
    acc.add(4, 1);
    expect(acc.result()).toEqual({ median: 2.5, variety: 4 });
  });

  it('majority / minority by total coverage, ties: majority -> largest, minority -> smallest', () => {
    // 7: 0.5 + 0.5 = 1; 3: 1; 9: 0.75; 2: 0.25 + 0.5 = 0.75
    const r = feed([7, 3, 7, 9, 2, 2], [0.5, 1, 0.5, 0.75, 0.25, 0.5], 'exact', ['majority', 'minority', 'variety']);
    expect(r).toEqual({ majority: 7, minority: 2, variety: 4 });
  });

  it('zero and negative weights are ignored entirely; min/max/variety include tiny coverages', () => {
    const acc = new StatsAccumulator({ stats: ['count', 'min', 'max', 'variety', 'nodata_count'], semantics: 'exact' });
    acc.add(-100, 0);
    acc.add(1000, -1);
    acc.add(7, 0.5);
    acc.add(-3, 2e-12);
    acc.addNodata(0.25);
    acc.addNodata(0);
    expect(acc.result()).toEqual({ count: 0.5 + 2e-12, min: -3, max: 7, variety: 2, nodata_count: 0.25 });
  });

  it('quantiles of seeded weighted data equal the slow written-out definition', () => {
    const rnd = seeded(11);
    for (let t = 0; t < 60; t++) {
      const n = 1 + Math.floor(rnd() * (t < 40 ? 60 : 3000));
      const ints = t % 3 !== 0;
      const values = Array.from({ length: n }, () => (ints ? Math.floor(rnd() * 25) - 5 : rnd() * 100 - 50));
      const weights = values.map(() => (rnd() < 0.5 ? 1 : rnd()));
      const qs = [0, 0.1, 0.25, 0.5, 0.9, 1];
      const r = feed(values, weights, 'exact', ['q0', 'q10', 'q25', 'median', 'q90', 'q100']);
      const got = [r.q0, r.q10, r.q25, r.median, r.q90, r.q100].map(num);
      qs.forEach((q, i) => {
        const want = slowWeightedQuantile(values, weights, q);
        expect(Math.abs((got[i] as number) - want)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
      });
    }
  });
});
