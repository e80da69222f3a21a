/** The quantile functions on their own: exactextract's WeightedQuantiles tests, numpy's percentile and median. */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../shared/errors';
import { cumulative, numpyMedian, numpyPercentile, weightedQuantile } from '../../../shared/stats/quantile';
import { closeRel, seeded, slowPercentile, slowWeightedQuantile } from './helpers';

/** Sorts (value, weight) pairs by value (values distinct) into typed arrays. */
function sortedPairs(values: number[], weights: number[]): { xs: Float64Array; ws: Float64Array } {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] ?? 0) - (values[b] ?? 0));
  return { xs: Float64Array.from(order, (i) => values[i] ?? NaN), ws: Float64Array.from(order, (i) => weights[i] ?? NaN) };
}

describe('weightedQuantile (exactextract test_stats.cpp)', () => {
  it('unequal weights, including a value of weight 0: -12.7, 2.336667, 4.496774, 9.382437, 100.4 (wsim)', () => {
    const { xs, ws } = sortedPairs([3.4, 2.9, 1.7, 8.8, -12.7, 100.4, 8.4, 11.3, 50], [1.0, 0.1, 1.0, 0.2, 0.44, 0.3, 0.3, 0.83, 0]);
    expect(weightedQuantile(xs, ws, 0)).toBe(-12.7);
    expect(closeRel(weightedQuantile(xs, ws, 0.25) ?? NaN, 2.336667, 1e-6)).toBe(true);
    expect(closeRel(weightedQuantile(xs, ws, 0.5) ?? NaN, 4.496774, 1e-6)).toBe(true);
    expect(closeRel(weightedQuantile(xs, ws, 0.75) ?? NaN, 9.382437, 1e-6)).toBe(true);
    expect(weightedQuantile(xs, ws, 1)).toBe(100.4);
  });
  it('q outside [0, 1] or NaN is a SpecError', () => {
    const xs = Float64Array.from({ length: 10 }, (_, i) => i);
    const ws = new Float64Array(10).fill(1);
    for (const q of [1.1, -0.1, NaN]) expect(() => weightedQuantile(xs, ws, q)).toThrow(SpecError);
  });
  it('one value: that value for every q; none: null', () => {
    expect(weightedQuantile(Float64Array.of(3), Float64Array.of(0.2), 0.3)).toBe(3);
    expect(weightedQuantile(new Float64Array(0), new Float64Array(0), 0.3)).toBeNull();
  });
  it('equals the O(n^2) written-out definition on seeded data', () => {
    const rnd = seeded(5);
    for (let t = 0; t < 200; t++) {
      const n = 1 + Math.floor(rnd() * 40);
      const values = [...new Set(Array.from({ length: n }, () => Math.round(rnd() * 1e4) / 100))];
      const weights = values.map(() => (rnd() < 0.1 ? 0 : rnd()));
      if (weights.every((w) => w === 0)) continue;
      const { xs, ws } = sortedPairs(values, weights);
      const q = t % 5 === 0 ? t / 200 : rnd();
      const want = slowWeightedQuantile(values, weights, q);
      expect(Math.abs((weightedQuantile(xs, ws, q) ?? NaN) - want)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
    }
  });
  it('with unit weights it equals numpy linear percentiles', () => {
    const rnd = seeded(7);
    for (let t = 0; t < 30; t++) {
      const values = [...new Set(Array.from({ length: 2 + Math.floor(rnd() * 50) }, () => Math.round(rnd() * 1000) / 10))];
      const { xs, ws } = sortedPairs(values, values.map(() => 1));
      for (const q of [0.1, 0.33, 0.5, 0.9]) expect(weightedQuantile(xs, ws, q) ?? NaN).toBeCloseTo(slowPercentile(values, q), 9);
    }
  });
});

describe('numpyPercentile / numpyMedian over distinct values and counts', () => {
  it('np.percentile([1,2,2,2,3,10], q) and np.median', () => {
    const xs = Float64Array.of(1, 2, 3, 10);
    const cum = cumulative(Float64Array.of(1, 3, 1, 1));
    expect(Array.from(cum)).toEqual([1, 4, 5, 6]);
    expect(numpyPercentile(xs, cum, 0)).toBe(1);
    expect(numpyPercentile(xs, cum, 1)).toBe(10);
    expect(numpyPercentile(xs, cum, 0.9)).toBe(10 - (10 - 3) * (1 - 0.5)); // index 4.5: _lerp from the upper side
    expect(numpyPercentile(xs, cum, 0.1)).toBe(1 + (2 - 1) * 0.5); // index 0.5
    expect(numpyMedian(xs, cum)).toBe((2 + 2) / 2);
    expect(numpyMedian(Float64Array.of(1, 4), cumulative(Float64Array.of(1, 1)))).toBe(2.5);
    expect(numpyMedian(new Float64Array(0), new Float64Array(0))).toBeNull();
    expect(numpyPercentile(new Float64Array(0), new Float64Array(0), 0.5)).toBeNull();
  });
});
