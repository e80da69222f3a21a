/**
 * Quantiles over distinct values with weights.
 * - `weightedQuantile`: exactextract's WeightedQuantiles (src/weighted_quantiles.cpp):
 *   values sorted ascending, s_0 = 0, s_i = i*w_i + (n-1)*sum_{j<i} w_j, the quantile q is
 *   interpolated at q*s_{n-1}. With all weights 1 it equals numpy's linear percentile.
 * - `countQuantile`: numpy.percentile (linear) over values repeated by integer counts.
 */

/** exactextract's weighted quantile. `xs` sorted ascending and distinct, `ws` their weights (> 0). */
export function weightedQuantile(xs: Float64Array, ws: Float64Array, q: number): number | null {
  const n = xs.length;
  if (n === 0) return null;
  if (n === 1) return xs[0] ?? null;
  const s = new Float64Array(n);
  let cum = ws[0] ?? 0;
  for (let i = 1; i < n; i++) {
    const w = ws[i] ?? 0;
    s[i] = i * w + (n - 1) * cum;
    cum += w;
  }
  const desired = q * (s[n - 1] ?? 0);
  let k = 0;
  while (k < n && (s[k] ?? 0) < desired) k++;
  if (k >= n) return xs[n - 1] ?? null;
  if (k === 0) return xs[0] ?? null;
  const sl = s[k - 1] ?? 0;
  const sr = s[k] ?? 0;
  const xl = xs[k - 1] ?? 0;
  const xr = xs[k] ?? 0;
  return xl + ((desired - sl) * (xr - xl)) / (sr - sl);
}

/** numpy.percentile(values, 100*q) with linear interpolation, values given as sorted distinct `xs` with integer `counts`. */
export function countQuantile(xs: Float64Array, counts: Float64Array, q: number): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] ?? 0;
  if (total === 0) return null;
  const pos = q * (total - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const a = valueAt(xs, counts, lo);
  if (frac === 0) return a;
  const b = valueAt(xs, counts, lo + 1);
  return a + (b - a) * frac;
}

/** The k-th (0-based) value of the expanded sorted list. */
function valueAt(xs: Float64Array, counts: Float64Array, k: number): number {
  let cum = 0;
  for (let i = 0; i < xs.length; i++) {
    cum += counts[i] ?? 0;
    if (k < cum) return xs[i] ?? NaN;
  }
  return xs[xs.length - 1] ?? NaN;
}
