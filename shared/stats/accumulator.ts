/**
 * Statistics of one feature and one band, accumulated from (value, weight)
 * pairs. Two semantics (see README.md in this folder):
 * - `exact`: exactextract's, weights are coverage fractions;
 * - `unweighted`: rasterstats', every selected cell weighs 1.
 * Only what the requested statistics need is tracked: count/sum/mean/min/max/
 * stdev/variance use running sums (no allocation per cell); the others keep a
 * map of distinct values to their total weight.
 */
import type { StatName } from './names';
import { quantileOf } from './names';
import { countQuantile, weightedQuantile } from './quantile';

export type { StatName } from './names';

/** A histogram: `bins` are the nbins+1 edges, `counts` (weighted in exact mode) per bin. */
export interface Histogram { bins: number[]; counts: number[] }

/** A statistic's value: null when undefined (no valid cell). */
export type StatValue = number | null | Histogram;

/** What to compute and how. */
export interface StatsOptions {
  stats: readonly StatName[];
  semantics: 'exact' | 'unweighted';
  histogram?: { bins: number; range?: [number, number] | undefined } | undefined;
}

const NEEDS_MAP = new Set(['median', 'majority', 'minority', 'variety', 'histogram']);

/** Accumulates one feature x band. */
export class StatsAccumulator {
  private readonly needMap: boolean;
  private readonly values = new Map<number, number>();
  private sumW = 0;
  private sumWX = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private nodataW = 0;

  constructor(private readonly opts: StatsOptions) {
    this.needMap = opts.stats.some((s) => NEEDS_MAP.has(s) || quantileOf(s) !== null);
  }

  /** One valid value with its weight (coverage fraction; 1 in unweighted mode). Weights <= 0 are ignored. */
  add(value: number, weight: number): void {
    if (!(weight > 0)) return;
    this.sumW += weight;
    this.sumWX += weight * value;
    // weighted Welford, as exactextract's WestVariance
    const d = value - this.mean;
    this.mean += (weight / this.sumW) * d;
    this.m2 += weight * d * (value - this.mean);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.needMap) this.values.set(value, (this.values.get(value) ?? 0) + weight);
  }

  /** A nodata cell with its weight. */
  addNodata(weight: number): void {
    if (weight > 0) this.nodataW += weight;
  }

  /** Bulk path: cells of a window, `valid[i] = 0` for nodata. Same result as add/addNodata per cell. */
  addWindow(values: Float64Array, valid: Uint8Array, weights: Float64Array): void {
    const n = weights.length;
    let sumW = this.sumW;
    let sumWX = this.sumWX;
    let mean = this.mean;
    let m2 = this.m2;
    let min = this.min;
    let max = this.max;
    let nodataW = this.nodataW;
    const map = this.needMap ? this.values : null;
    for (let i = 0; i < n; i++) {
      const w = weights[i] as number;
      if (!(w > 0)) continue;
      if (valid[i] === 0) {
        nodataW += w;
        continue;
      }
      const x = values[i] as number;
      sumW += w;
      sumWX += w * x;
      const d = x - mean;
      mean += (w / sumW) * d;
      m2 += w * d * (x - mean);
      if (x < min) min = x;
      if (x > max) max = x;
      if (map !== null) map.set(x, (map.get(x) ?? 0) + w);
    }
    this.sumW = sumW;
    this.sumWX = sumWX;
    this.mean = mean;
    this.m2 = m2;
    this.min = min;
    this.max = max;
    this.nodataW = nodataW;
  }

  /** The statistics by name. */
  result(): Record<string, StatValue> {
    const out: Record<string, StatValue> = {};
    const empty = this.sumW === 0;
    const exact = this.opts.semantics === 'exact';
    let sorted: { xs: Float64Array; ws: Float64Array } | null = null;
    const distinct = (): { xs: Float64Array; ws: Float64Array } => {
      if (sorted) return sorted;
      const xs = Float64Array.from(this.values.keys()).sort();
      const ws = new Float64Array(xs.length);
      xs.forEach((x, i) => (ws[i] = this.values.get(x) ?? 0));
      sorted = { xs, ws };
      return sorted;
    };
    for (const s of this.opts.stats) {
      switch (s) {
        case 'count': out[s] = this.sumW; break;
        case 'sum': out[s] = this.sumWX; break;
        case 'mean': out[s] = empty ? null : this.sumWX / this.sumW; break;
        case 'min': out[s] = empty ? null : this.min; break;
        case 'max': out[s] = empty ? null : this.max; break;
        case 'variance': out[s] = empty ? null : Math.max(0, this.m2 / this.sumW); break;
        case 'stdev': out[s] = empty ? null : Math.sqrt(Math.max(0, this.m2 / this.sumW)); break;
        case 'nodata_count': out[s] = this.nodataW; break;
        case 'variety': out[s] = this.values.size; break;
        case 'majority': out[s] = empty ? null : pick(distinct(), 'max', exact ? 'largest' : 'smallest'); break;
        case 'minority': out[s] = empty ? null : pick(distinct(), 'min', 'smallest'); break;
        case 'median': out[s] = this.quantile(0.5, distinct, exact); break;
        case 'histogram': out[s] = this.histogram(distinct); break;
        default: {
          const q = quantileOf(s);
          out[s] = q === null ? null : this.quantile(q, distinct, exact);
        }
      }
    }
    return out;
  }

  private quantile(q: number, distinct: () => { xs: Float64Array; ws: Float64Array }, exact: boolean): number | null {
    if (this.sumW === 0) return null;
    const { xs, ws } = distinct();
    return exact ? weightedQuantile(xs, ws, q) : countQuantile(xs, ws, q);
  }

  /** numpy.histogram rules: equal-width bins over range (default min..max), last bin closed, values outside not counted. */
  private histogram(distinct: () => { xs: Float64Array; ws: Float64Array }): Histogram {
    const nb = this.opts.histogram?.bins ?? 10;
    let lo: number;
    let hi: number;
    const range = this.opts.histogram?.range;
    if (range) [lo, hi] = range;
    else if (this.sumW === 0) [lo, hi] = [0, 1];
    else [lo, hi] = [this.min, this.max];
    if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5]; // numpy widens a degenerate range the same way
    const bins = Array.from({ length: nb + 1 }, (_, i) => lo + ((hi - lo) * i) / nb);
    bins[nb] = hi;
    const counts = new Array<number>(nb).fill(0);
    const { xs, ws } = distinct();
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i] as number;
      if (x < lo || x > hi) continue;
      let k = Math.floor(((x - lo) / (hi - lo)) * nb);
      if (k >= nb) k = nb - 1;
      // guard float rounding against the computed edges
      while (k > 0 && x < (bins[k] as number)) k--;
      while (k < nb - 1 && x >= (bins[k + 1] as number)) k++;
      counts[k] = (counts[k] ?? 0) + (ws[i] as number);
    }
    return { bins, counts };
  }
}

/** The value with the largest ('max') or smallest ('min') total weight; ties resolved to the smallest or largest value. */
function pick(d: { xs: Float64Array; ws: Float64Array }, which: 'max' | 'min', tie: 'smallest' | 'largest'): number | null {
  let best: number | null = null;
  let bestW = which === 'max' ? -Infinity : Infinity;
  for (let i = 0; i < d.xs.length; i++) {
    const w = d.ws[i] as number;
    const x = d.xs[i] as number;
    const better = which === 'max' ? w > bestW : w < bestW;
    const tied = w === bestW;
    // xs ascending: on a tie, 'largest' takes the later value, 'smallest' keeps the earlier one
    if (better || (tied && tie === 'largest')) {
      best = x;
      bestW = w;
    }
  }
  return best;
}
