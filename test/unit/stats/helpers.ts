/** Test helpers for the statistics: seeded random numbers, feeding an accumulator, independent slow implementations. */
import { StatsAccumulator } from '../../../shared/stats/accumulator';
import type { StatName, StatValue, StatsOptions } from '../../../shared/stats/accumulator';

/** A seeded uniform [0, 1) generator (LCG). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Feeds (value, weight) pairs one by one (NaN values are nodata) and returns the result. */
export function feed(values: readonly number[], weights: readonly number[], semantics: 'exact' | 'unweighted', stats: readonly StatName[], histogram?: StatsOptions['histogram']): Record<string, StatValue> {
  const acc = new StatsAccumulator({ stats, semantics, histogram });
  values.forEach((v, i) => acc.add(v, weights[i] ?? 0));
  return acc.result();
}

/** A number from a result (fails the test's type expectation otherwise). */
export function num(v: StatValue | undefined): number {
  if (typeof v !== 'number') throw new Error(`expected a number, got ${JSON.stringify(v)}`);
  return v;
}

/** |a - b| <= rel * |b| (or <= rel when b is 0). */
export function closeRel(a: number, b: number, rel: number): boolean {
  return Math.abs(a - b) <= rel * Math.max(Math.abs(b), b === 0 ? 1 : 0);
}

/** numpy's _lerp. */
function npLerp(a: number, b: number, t: number): number {
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

/** numpy.percentile(values, 100 q), method 'linear', written out on a sorted copy. */
export function slowPercentile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const v = (s.length - 1) * q;
  const lo = Math.floor(v);
  const hi = Math.min(lo + 1, s.length - 1);
  return npLerp(s[lo] as number, s[hi] as number, v - lo);
}

/** numpy.median written out on a sorted copy. */
export function slowMedian(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const h = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[h] as number) : ((s[h - 1] as number) + (s[h] as number)) / 2;
}

/**
 * exactextract's weighted quantile, written out from the definition with
 * O(n^2) sums and a linear scan: distinct values with summed weights,
 * s_i = i w_i + (n-1) sum_{j<i} w_j, interpolate at q (n-1) sum(w).
 */
export function slowWeightedQuantile(values: readonly number[], weights: readonly number[], q: number): number {
  const byValue = new Map<number, number>();
  values.forEach((v, i) => byValue.set(v, (byValue.get(v) ?? 0) + (weights[i] ?? 0)));
  const xs = [...byValue.keys()].sort((a, b) => a - b);
  const ws = xs.map((x) => byValue.get(x) ?? 0);
  const n = xs.length;
  const s = xs.map((_, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) before += ws[j] ?? 0;
    return i === 0 ? 0 : i * (ws[i] ?? 0) + (n - 1) * before;
  });
  const total = ws.reduce((a, b) => a + b, 0);
  const target = q * (n - 1) * total;
  let right = n;
  for (let i = 0; i < n; i++) {
    if ((s[i] ?? 0) > target) {
      right = i;
      break;
    }
  }
  if (right === 0) return xs[0] ?? NaN;
  if (right === n) return xs[n - 1] ?? NaN;
  const [xl, xr, sl, sr] = [xs[right - 1] ?? NaN, xs[right] ?? NaN, s[right - 1] ?? NaN, s[right] ?? NaN];
  return xl + ((target - sl) * (xr - xl)) / (sr - sl);
}
