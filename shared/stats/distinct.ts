/**
 * Grouping of accumulated cells into sorted distinct values with their total
 * weight (coverage-fraction sums in exact mode, cell counts in unweighted
 * mode). Weights of one value are summed in input order, as exactextract's
 * per-value map does. Two strategies, chosen per call:
 * - dense: all values integers within a small span (Byte, Int16, class maps):
 *   one pass into a Float64Array indexed by value - min, no sort;
 * - sort: a stable sort carrying the weights: a merge sort of (value, weight)
 *   pairs for few cells, an LSD radix sort permutation for many cells.
 */
import { sortOrder } from './radix';

/** Sorted distinct values `xs` (ascending) and their total weights `ws`. */
export interface Distinct { xs: Float64Array; ws: Float64Array }

/** Largest span (max - min) the dense strategy accepts, beyond the 4 * cells rule. */
const DENSE_SPAN_FLOOR = 1024;
const DENSE_SPAN_CAP = 1 << 24;
/** From this many cells on, the radix sort beats the native sort + binary search. */
const RADIX_MIN = 512;
/** Run length of the insertion sort inside the merge sort. */
const RUN = 16;

/**
 * Groups the first `n` values (with `weights`, or weight 1 each when null).
 * `min` and `max` are the minimum and maximum of those values. Values must not be NaN.
 */
export function groupDistinct(values: Float64Array, weights: Float64Array | null, n: number, min: number, max: number): Distinct {
  if (n === 0) return { xs: new Float64Array(0), ws: new Float64Array(0) };
  const span = max - min;
  if (span <= DENSE_SPAN_CAP && span <= 4 * n + DENSE_SPAN_FLOOR && Number.isInteger(min)) {
    const dense = groupDense(values, weights, n, min, span);
    if (dense !== null) return dense;
  }
  return groupSorted(values, weights, n);
}

/** Dense strategy; null as soon as a value is not an integer. */
function groupDense(values: Float64Array, weights: Float64Array | null, n: number, min: number, span: number): Distinct | null {
  const acc = new Float64Array(span + 1);
  const seen = new Uint8Array(span + 1);
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    const k = (values[i] as number) - min;
    if ((k | 0) !== k) return null;
    if (seen[k] === 0) {
      seen[k] = 1;
      distinct++;
    }
    acc[k] = (acc[k] as number) + (weights === null ? 1 : (weights[i] as number));
  }
  const xs = new Float64Array(distinct);
  const ws = new Float64Array(distinct);
  let j = 0;
  for (let k = 0; k <= span; k++) {
    if (seen[k] === 0) continue;
    xs[j] = min + k;
    ws[j] = acc[k] as number;
    j++;
  }
  return { xs, ws };
}

/** Sort strategy: a native sort for few cells, else a stable radix sort carrying the weights. */
function groupSorted(values: Float64Array, weights: Float64Array | null, n: number): Distinct {
  if (n < RADIX_MIN) return groupNative(values, weights, n);
  const order = sortOrder(values, n);
  const xs = new Float64Array(n);
  const ws = new Float64Array(n);
  let d = 0;
  let prev = NaN;
  for (let i = 0; i < n; i++) {
    const j = order[i] as number;
    const x = values[j] as number;
    const w = weights === null ? 1 : (weights[j] as number);
    // -0 and 0 are one value (as in a Map)
    if (x !== prev) {
      xs[d] = x + 0; // -0 -> 0
      ws[d] = w;
      d++;
      prev = x;
    } else ws[d - 1] = (ws[d - 1] as number) + w;
  }
  return { xs: xs.slice(0, d), ws: ws.slice(0, d) };
}

/** Stable merge sort of copies of the (value, weight) pairs (insertion sort of runs of 16), then dedupe in order. */
function groupNative(values: Float64Array, weights: Float64Array | null, n: number): Distinct {
  let xs = values.slice(0, n);
  let ws = weights === null ? new Float64Array(n).fill(1) : weights.slice(0, n);
  for (let start = 0; start < n; start += RUN) {
    const end = Math.min(start + RUN, n);
    for (let i = start + 1; i < end; i++) {
      const x = xs[i] as number;
      const w = ws[i] as number;
      let j = i - 1;
      while (j >= start && (xs[j] as number) > x) {
        xs[j + 1] = xs[j] as number;
        ws[j + 1] = ws[j] as number;
        j--;
      }
      xs[j + 1] = x;
      ws[j + 1] = w;
    }
  }
  let xs2 = new Float64Array(n);
  let ws2 = new Float64Array(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let a = lo;
      let b = mid;
      let k = lo;
      while (a < mid && b < hi) {
        // <= keeps equal values in input order
        if ((xs[a] as number) <= (xs[b] as number)) {
          xs2[k] = xs[a] as number;
          ws2[k++] = ws[a++] as number;
        } else {
          xs2[k] = xs[b] as number;
          ws2[k++] = ws[b++] as number;
        }
      }
      while (a < mid) {
        xs2[k] = xs[a] as number;
        ws2[k++] = ws[a++] as number;
      }
      while (b < hi) {
        xs2[k] = xs[b] as number;
        ws2[k++] = ws[b++] as number;
      }
    }
    [xs, xs2] = [xs2, xs];
    [ws, ws2] = [ws2, ws];
  }
  let d = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    const w = ws[i] as number;
    if (d === 0 || x !== xs[d - 1]) {
      xs[d] = x + 0; // -0 -> 0
      ws[d] = w;
      d++;
    } else ws[d - 1] = (ws[d - 1] as number) + w;
  }
  return { xs: xs.slice(0, d), ws: ws.slice(0, d) };
}
