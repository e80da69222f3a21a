/**
 * Quantiles, in the two semantics:
 * - `weightedQuantile`: a port of exactextract's WeightedQuantiles
 *   (src/weighted_quantiles.cpp): distinct values sorted ascending with total
 *   weights w_i, s_0 = 0, s_i = i*w_i + (n-1)*sum_{j<i} w_j, S = (n-1)*sum(w);
 *   the quantile q is interpolated between the last s_i <= q*S and the first
 *   s_i > q*S. With equal weights it equals numpy's linear percentile.
 * - `numpyPercentile` / `numpyMedian`: numpy.percentile (method 'linear', with
 *   numpy's `_lerp`) and numpy.median, as rasterstats uses them, over the
 *   multiset given as distinct sorted values and cumulative counts.
 */
import { SpecError } from '../errors';

/** Throws unless 0 <= q <= 1 (as exactextract does). */
function checkQ(q: number): void {
  if (!(q >= 0 && q <= 1)) throw new SpecError(`quantile ${q} is not between 0 and 1`);
}

/** exactextract's weighted quantile. `xs` sorted ascending and distinct, `ws` their total weights (>= 0); null when empty. */
export function weightedQuantile(xs: Float64Array, ws: Float64Array, q: number): number | null {
  checkQ(q);
  const n = xs.length;
  if (n === 0) return null;
  // prepare(): cumulative sums and s_i, in exactextract's order of operations
  const s = new Float64Array(n);
  let sumW = 0;
  let cumPrev = 0;
  for (let i = 0; i < n; i++) {
    const w = ws[i] as number;
    sumW += w;
    s[i] = i === 0 ? 0 : i * w + (n - 1) * cumPrev;
    cumPrev = i === 0 ? w : cumPrev + w;
  }
  const target = q * (sumW * (n - 1));
  // std::upper_bound: the first element with s > target
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (target < (s[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  const right = lo;
  if (right === 0) return xs[0] as number;
  const left = right - 1;
  if (right === n) return xs[left] as number;
  const xl = xs[left] as number;
  const xr = xs[right] as number;
  const sl = s[left] as number;
  const sr = s[right] as number;
  return xl + ((target - sl) * (xr - xl)) / (sr - sl);
}

/** numpy's `_lerp(a, b, t)`: a + (b-a)*t, computed from b when t >= 0.5. */
function lerp(a: number, b: number, t: number): number {
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/** Cumulative counts of `counts`. */
export function cumulative(counts: Float64Array): Float64Array {
  const cum = new Float64Array(counts.length);
  let c = 0;
  for (let i = 0; i < counts.length; i++) cum[i] = c += counts[i] as number;
  return cum;
}

/** The k-th (0-based) value of the sorted multiset given by distinct `xs` and cumulative counts `cum`. */
function kth(xs: Float64Array, cum: Float64Array, k: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cum[mid] as number) > k) hi = mid;
    else lo = mid + 1;
  }
  return xs[lo] as number;
}

/** numpy.percentile(values, 100*q) (method 'linear') of the multiset: distinct ascending `xs`, cumulative counts `cum`; null when empty. */
export function numpyPercentile(xs: Float64Array, cum: Float64Array, q: number): number | null {
  checkQ(q);
  const n = cum.length === 0 ? 0 : (cum[cum.length - 1] as number);
  if (n === 0) return null;
  const virt = (n - 1) * q;
  const prev = Math.floor(virt);
  const next = Math.min(prev + 1, n - 1);
  return lerp(kth(xs, cum, prev), kth(xs, cum, next), virt - prev);
}

/** numpy.median of the multiset (distinct ascending `xs`, cumulative counts `cum`): the middle value or the mean of the two middle ones; null when empty. */
export function numpyMedian(xs: Float64Array, cum: Float64Array): number | null {
  const n = cum.length === 0 ? 0 : (cum[cum.length - 1] as number);
  if (n === 0) return null;
  const h = Math.floor(n / 2);
  if (n % 2 === 1) return kth(xs, cum, h);
  return (kth(xs, cum, h - 1) + kth(xs, cum, h)) / 2;
}
