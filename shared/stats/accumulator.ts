/**
 * Statistics of one feature and one band, accumulated from (value, weight)
 * pairs. Two semantics (formulas and worked examples in README.md here):
 * - `exact`: exactextract's; weights are coverage fractions;
 * - `unweighted`: rasterstats'; every cell with weight > 0 counts once.
 * Only what the requested statistics need is tracked: count/sum/mean/min/max
 * use running sums, variance/stdev add a weighted Welford update (exactextract's
 * WestVariance); median/quantiles/majority/minority/variety/histogram also keep
 * the values (and, in exact mode, the weights): up to BUFFER_CELLS of them in
 * typed arrays (the hot loops only append), grouped into distinct values when
 * the result is asked for; past that many, each full buffer is folded into a
 * frequency table (frequency.ts: distinct value -> summed weight, exactextract's
 * m_freq), so that a feature's memory is bounded by its distinct values, not
 * by its cells. The two give the same sums, in the same order.
 *
 * exactextract's weighted statistics (`weighted_*`, `weighted_frac`) take a
 * second weight per cell, `w` (the weights raster; NaN where it is nodata and
 * no default weight is given, which makes every weighted statistic undefined,
 * as in exactextract), and use c·w in place of c.
 */
import { SpecError } from '../errors';
import type { Distinct } from './distinct';
import { groupDistinct } from './distinct';
import { FrequencyTable } from './frequency';
import type { Histogram, HistogramOptions } from './histogram';
import { checkHistogramOptions, histogram } from './histogram';
import type { StatName } from './names';
import { CELL_LIST_STATS, POSITION_STATS, quantileOf, WEIGHTED_STATS } from './names';
import { cumulative, numpyMedian, numpyPercentile, weightedQuantile } from './quantile';

export type { StatName } from './names';
export type { Histogram } from './histogram';

/** `frac` / `weighted_frac`: the distinct values (ascending) and the fraction of each. */
export interface FracValue { values: number[]; fracs: number[] }

/** A statistic's value: null when undefined (no valid cell); `unique` is a sorted list. */
export type StatValue = number | null | Histogram | number[] | FracValue;

/** What to compute and how. */
export interface StatsOptions {
  /** The statistics, as validated by parseStatNames. */
  stats: readonly StatName[];
  /** exact = exactextract semantics with coverage weights; unweighted = rasterstats semantics (center / all_touched, weights are 1). */
  semantics: 'exact' | 'unweighted';
  /** Histogram bins (default 10) and range (default min..max of the feature's values). */
  histogram?: HistogramOptions | undefined;
}

const NEEDS_VALUES = new Set<string>(['median', 'majority', 'mode', 'minority', 'variety', 'histogram', 'unique', 'frac', 'weighted_frac']);
const NEEDS_SPREAD = new Set<string>(['stdev', 'variance', 'coefficient_of_variation']);
/** No kept values yet (shared: a zero-length array holds nothing; `grow` replaces it). */
const EMPTY = new Float64Array(0);

/** What a list of statistics needs, by list (the engine builds an accumulator per feature with the same list). */
interface Needs { keep: boolean; spread: boolean; weighted: boolean; wSpread: boolean; count: number }
const needsOf = new WeakMap<readonly StatName[], Needs>();
const RUNNING = new Set<string>(['count', 'sum', 'mean', 'min', 'max', 'nodata_count', 'range', 'weighted_mean', 'weighted_sum']);
const INITIAL_CAPACITY = 256;
/** Kept cells buffered before they are folded into the frequency table (512 KiB of values). */
export const BUFFER_CELLS = 1 << 16;
/** A number V8 stores as a double, not a small integer: the sums' value before the constructor's reset() zeroes them. */
const AS_DOUBLE = 0.5;

/** Accumulates (value, weight) pairs of one feature and one band, then computes the statistics. */
export class StatsAccumulator {
  private readonly exact: boolean;
  private readonly spread: boolean;
  private readonly keep: boolean;
  /** weighted statistics asked: track Σcw, Σxcw (and the West variance of c·w, and c·w per kept value) */
  private readonly weighted: boolean;
  private readonly wSpread: boolean;
  private readonly keepCW: boolean;
  private readonly hist: HistogramOptions;
  // the sums start as a double (reset() zeroes them before any use), so that V8 keeps them as double fields
  // from the first accumulator on instead of changing their representation (small integer -> double: a new
  // map) the first time a fraction is added, which deoptimized the engine's loop (zonal.ts computeRaster)
  private sumCW = AS_DOUBLE;
  private sumXCW = AS_DOUBLE;
  private wSum = AS_DOUBLE;
  private wMean = AS_DOUBLE;
  private wM2 = AS_DOUBLE;
  private cws: Float64Array = EMPTY;
  private sumW = AS_DOUBLE;
  private sumWX = AS_DOUBLE;
  private mean = AS_DOUBLE;
  private m2 = AS_DOUBLE;
  private min = Infinity;
  private max = -Infinity;
  private nodataW = AS_DOUBLE;
  /** kept values (and weights in exact mode); `n` of them are used */
  private vals: Float64Array = EMPTY;
  private wts: Float64Array = EMPTY;
  private n = 0;
  /** the distinct values of the cells folded so far (null: none folded; a small feature never needs it) */
  private freq: FrequencyTable | null = null;

  /** Validates the options (unknown statistic or bad histogram options: SpecError). */
  constructor(private readonly opts: StatsOptions) {
    if (opts.semantics !== 'exact' && opts.semantics !== 'unweighted') throw new SpecError(`unknown statistics semantics ${JSON.stringify(opts.semantics)}; valid: exact, unweighted`);
    const known = needsOf.get(opts.stats);
    const needs = known !== undefined && known.count === opts.stats.length && (!known.weighted || opts.semantics === 'exact') ? known : analyse(opts.stats, opts.semantics);
    needsOf.set(opts.stats, needs);
    this.exact = opts.semantics === 'exact';
    this.spread = needs.spread;
    this.keep = needs.keep;
    this.weighted = needs.weighted;
    this.wSpread = needs.wSpread;
    this.keepCW = opts.stats.includes('weighted_frac');
    this.hist = opts.histogram ?? { bins: 10 };
    checkHistogramOptions(this.hist);
    this.reset();
  }

  /**
   * Forgets every cell added, as a new accumulator with the same options (its buffers are kept): an engine
   * measuring features one after another reuses one accumulator per band instead of allocating one per feature.
   */
  reset(): void {
    this.sumCW = 0;
    this.sumXCW = 0;
    this.wSum = 0;
    this.wMean = 0;
    this.wM2 = 0;
    this.sumW = 0;
    this.sumWX = 0;
    this.mean = 0;
    this.m2 = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.nodataW = 0;
    this.n = 0;
    this.freq = null;
  }

  /** One valid value with its weight (coverage fraction; unweighted mode counts any weight > 0 as 1). Weights <= 0 are ignored; a NaN value counts as nodata. */
  add(value: number, weight: number, cellWeight = NaN): void {
    if (!(weight > 0)) return;
    const w = this.exact ? weight : 1;
    if (value !== value) {
      this.nodataW += w;
      return;
    }
    this.sumW += w;
    this.sumWX += w * value;
    const cw = w * cellWeight;
    if (this.weighted) this.addWeighted(value, cw);
    if (this.spread) {
      const d = value - this.mean;
      this.mean += (w / this.sumW) * d;
      this.m2 += w * d * (value - this.mean);
    }
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.keep) {
      this.reserve(1);
      this.vals[this.n] = value;
      if (this.exact) this.wts[this.n] = w;
      if (this.keepCW) this.cws[this.n] = cw;
      this.n++;
    }
  }

  /** The weighted sums and West variance of one valid value with weight c·w (exactextract skips c·w = 0 in the variance only). */
  private addWeighted(x: number, cw: number): void {
    this.sumCW += cw;
    this.sumXCW += x * cw;
    if (this.wSpread && cw !== 0) {
      const old = this.wMean;
      this.wSum += cw;
      this.wMean += (cw / this.wSum) * (x - old);
      this.wM2 += cw * (x - old) * (x - this.wMean);
    }
  }

  /** A nodata cell with its weight (coverage fraction; 1 in unweighted mode when > 0). */
  addNodata(weight: number): void {
    if (weight > 0) this.nodataW += this.exact ? weight : 1;
  }

  /**
   * Bulk path: the cells of a window, `valid[i] = 0` for nodata, `weights[i]` the coverage (<= 0: not in the feature),
   * `cellWeights[i]` the weights raster's value (NaN: nodata; needed when weighted statistics are asked).
   * Same result as add/addNodata per cell.
   */
  addWindow(values: Float64Array, valid: Uint8Array, weights: Float64Array, cellWeights?: Float64Array): void {
    const len = weights.length;
    if (values.length < len || valid.length < len) throw new SpecError(`addWindow: ${values.length} values and ${valid.length} validity flags for ${len} weights`);
    if (this.weighted || cellWeights !== undefined) {
      this.addWindowWeighted(values, valid, weights, cellWeights);
      return;
    }
    if (this.keep) this.reserve(len);
    const exact = this.exact;
    const spread = this.spread;
    const keep = this.keep;
    const vals = this.vals;
    const wts = this.wts;
    let n = this.n;
    let sumW = this.sumW;
    let sumWX = this.sumWX;
    let mean = this.mean;
    let m2 = this.m2;
    let min = this.min;
    let max = this.max;
    let nodataW = this.nodataW;
    for (let i = 0; i < len; i++) {
      const c = weights[i] as number;
      if (!(c > 0)) continue;
      const w = exact ? c : 1;
      const x = values[i] as number;
      if (valid[i] === 0 || x !== x) {
        nodataW += w;
        continue;
      }
      sumW += w;
      sumWX += w * x;
      if (spread) {
        const d = x - mean;
        mean += (w / sumW) * d;
        m2 += w * d * (x - mean);
      }
      if (x < min) min = x;
      if (x > max) max = x;
      if (keep) {
        vals[n] = x;
        if (exact) wts[n] = w;
        n++;
      }
    }
    this.n = n;
    this.sumW = sumW;
    this.sumWX = sumWX;
    this.mean = mean;
    this.m2 = m2;
    this.min = min;
    this.max = max;
    this.nodataW = nodataW;
  }

  /** True when {@link addSamples} applies (no weighted statistics: those need the weights raster per cell). */
  get takesSamples(): boolean {
    return !this.weighted;
  }

  /**
   * Bulk path straight from a raster's decoded samples (no window copied first): `n` cells, the k-th with the
   * raw sample `samples[si + k * stride]` and the coverage `weights[wi + k]` (<= 0: not in the feature). The
   * value is `raw * scale + offset`; a raw NaN or a raw equal to `nodataRaw` (NaN: no nodata value) is nodata.
   * Called run by run in the window's row-major order, it gives bit for bit what addWindow gives on the
   * copied window (the same operations in the same order). Not with weighted statistics ({@link takesSamples}).
   */
  addSamples(samples: ArrayLike<number>, si: number, stride: number, weights: Float64Array, wi: number, n: number, scale: number, offset: number, nodataRaw: number): void {
    if (this.weighted) throw new SpecError('addSamples: weighted statistics need the weights raster\'s value of every cell');
    if (this.keep) this.reserve(n);
    const exact = this.exact;
    const spread = this.spread;
    const keep = this.keep;
    const vals = this.vals;
    const wts = this.wts;
    let k = this.n;
    let sumW = this.sumW;
    let sumWX = this.sumWX;
    let mean = this.mean;
    let m2 = this.m2;
    let min = this.min;
    let max = this.max;
    let nodataW = this.nodataW;
    for (let i = 0, j = si; i < n; i++, j += stride) {
      const c = weights[wi + i] as number;
      if (!(c > 0)) continue;
      const w = exact ? c : 1;
      const raw = samples[j] as number;
      if (raw !== raw || raw === nodataRaw) {
        nodataW += w;
        continue;
      }
      const x = raw * scale + offset;
      if (x !== x) {
        nodataW += w;
        continue;
      }
      sumW += w;
      sumWX += w * x;
      if (spread) {
        const d = x - mean;
        mean += (w / sumW) * d;
        m2 += w * d * (x - mean);
      }
      if (x < min) min = x;
      if (x > max) max = x;
      if (keep) {
        vals[k] = x;
        if (exact) wts[k] = w;
        k++;
      }
    }
    this.n = k;
    this.sumW = sumW;
    this.sumWX = sumWX;
    this.mean = mean;
    this.m2 = m2;
    this.min = min;
    this.max = max;
    this.nodataW = nodataW;
  }

  /** `n` nodata cells (outside the raster) with the coverage `weights[wi..wi + n)`: addNodata of each. */
  addNodataRun(weights: Float64Array, wi: number, n: number): void {
    for (let i = 0; i < n; i++) this.addNodata(weights[wi + i] as number);
  }

  /** addWindow with a weights raster: the per-cell path (weighted statistics are exactextract's, not a hot path). */
  private addWindowWeighted(values: Float64Array, valid: Uint8Array, weights: Float64Array, cellWeights: Float64Array | undefined): void {
    if (this.weighted && (cellWeights === undefined || cellWeights.length < weights.length)) throw new SpecError('weighted statistics need the weights raster\'s value of every cell');
    for (let i = 0; i < weights.length; i++) {
      const c = weights[i] as number;
      if (!(c > 0)) continue;
      if (valid[i] === 0) this.addNodata(c);
      else this.add(values[i] as number, c, cellWeights === undefined ? NaN : (cellWeights[i]));
    }
  }

  /** The statistics by name (in the order asked). May be called again after more cells are added. */
  result(): Record<string, StatValue> {
    const out: Record<string, StatValue> = {};
    const empty = this.sumW === 0;
    let d: Distinct | null = null;
    let cum: Float64Array | null = null;
    const freq = this.folded();
    const distinct = (): Distinct => (d ??= freq !== null ? freq.distinct() : groupDistinct(this.vals, this.exact ? this.wts : null, this.n, this.min, this.max));
    // unweighted: 'median' is numpy.median, qNN numpy.percentile (q50 may differ from the median in the last bit)
    const quantile = (q: number, isMedian: boolean): number | null => {
      if (empty) return null;
      const g = distinct();
      if (this.exact) return weightedQuantile(g.xs, g.ws, q);
      cum ??= cumulative(g.ws);
      return isMedian ? numpyMedian(g.xs, cum) : numpyPercentile(g.xs, cum, q);
    };
    const variance = empty ? null : Math.max(0, this.m2 / this.sumW);
    const wVariance = this.wM2 / this.wSum; // NaN when Σcw = 0 or a weight is undefined, as exactextract
    const fracOf = (ws: Float64Array, total: number): FracValue | null => {
      if (empty) return null;
      const g = distinct();
      return { values: [...g.xs], fracs: [...ws].map((w) => w / total) };
    };
    for (const s of this.opts.stats) {
      switch (s) {
        case 'count': out[s] = this.sumW; break;
        case 'sum': out[s] = this.sumWX; break;
        case 'mean': out[s] = empty ? null : this.sumWX / this.sumW; break;
        case 'min': out[s] = empty ? null : this.min; break;
        case 'max': out[s] = empty ? null : this.max; break;
        case 'variance': out[s] = variance; break;
        case 'stdev': out[s] = variance === null ? null : Math.sqrt(variance); break;
        case 'nodata_count': out[s] = this.nodataW; break;
        case 'variety': out[s] = distinct().xs.length; break;
        // exactextract's mode is its majority, under another name
        case 'majority': case 'mode': out[s] = empty ? null : mostOrLeast(distinct(), 'most', this.exact ? 'largest' : 'smallest'); break;
        case 'minority': out[s] = empty ? null : mostOrLeast(distinct(), 'least', 'smallest'); break;
        case 'median': out[s] = quantile(0.5, true); break;
        case 'histogram': out[s] = histogram(distinct(), this.hist); break;
        case 'range': out[s] = empty ? null : this.max - this.min; break;
        // exactextract: population stdev / the running (West) mean; negative when the mean is
        case 'coefficient_of_variation': out[s] = variance === null ? null : Math.sqrt(variance) / this.mean; break;
        case 'unique': out[s] = [...distinct().xs]; break;
        case 'frac': out[s] = fracOf(distinct().ws, this.sumW); break;
        case 'weighted_frac': out[s] = empty ? null : fracOf((freq !== null ? freq.distinctCW() : groupDistinct(this.vals, this.cws, this.n, this.min, this.max)).ws, this.sumCW); break;
        case 'weighted_sum': out[s] = this.sumXCW; break;
        case 'weighted_mean': out[s] = this.sumCW !== 0 ? this.sumXCW / this.sumCW : null; break;
        case 'weighted_variance': out[s] = wVariance; break;
        case 'weighted_stdev': out[s] = Math.sqrt(wVariance); break;
        case 'values': case 'coverage': case 'weights': case 'cell_id': case 'center_x': case 'center_y': break; // per-cell lists: the engine's
        case 'min_center_x': case 'max_center_x': case 'min_center_y': case 'max_center_y': break; // cell positions: the engine's
        default: {
          const q = quantileOf(s);
          out[s] = q === null ? null : quantile(q, false);
        }
      }
    }
    return out;
  }

  /** Distinct values kept in the frequency table (0 while the cells are only buffered): for tests and diagnostics. */
  get distinctHeld(): number {
    return this.freq?.size ?? 0;
  }

  /** Kept values allocated: buffer plus frequency table entries (the memory bound, for tests and diagnostics). */
  get keptCapacity(): number {
    return this.vals.length + (this.freq?.capacity ?? 0);
  }

  /** The frequency table with every kept cell folded in, or null when none was ever folded (the buffer holds them all). */
  private folded(): FrequencyTable | null {
    if (this.freq !== null) this.fold();
    return this.freq;
  }

  /** Moves the buffered cells into the frequency table, in order. */
  private fold(): void {
    this.freq ??= new FrequencyTable(this.keepCW);
    this.freq.add(this.vals, this.exact ? this.wts : null, this.keepCW ? this.cws : null, this.n, this.min, this.max);
    this.n = 0;
  }

  /** Room for `more` kept cells: past BUFFER_CELLS, the buffer is folded into the frequency table first. */
  private reserve(more: number): void {
    let need = this.n + more;
    if (need <= this.vals.length) return;
    if (need > BUFFER_CELLS && this.n > 0) {
      this.fold();
      need = more;
      if (need <= this.vals.length) return;
    }
    const cap = Math.max(need, INITIAL_CAPACITY, Math.min(this.vals.length * 2, BUFFER_CELLS));
    const v = new Float64Array(cap);
    v.set(this.vals.subarray(0, this.n));
    this.vals = v;
    if (this.exact) {
      const w = new Float64Array(cap);
      w.set(this.wts.subarray(0, this.n));
      this.wts = w;
    }
    if (this.keepCW) {
      const w = new Float64Array(cap);
      w.set(this.cws.subarray(0, this.n));
      this.cws = w;
    }
  }
}

/**
 * The value with the largest ('most') or smallest ('least') total weight, ties
 * resolved to the largest or the smallest value (`d.xs` ascending).
 */
function mostOrLeast(d: Distinct, which: 'most' | 'least', tie: 'smallest' | 'largest'): number | null {
  let best: number | null = null;
  let bestW = which === 'most' ? -Infinity : Infinity;
  for (let i = 0; i < d.xs.length; i++) {
    const w = d.ws[i] as number;
    const better = which === 'most' ? w > bestW : w < bestW;
    if (better || (w === bestW && tie === 'largest')) {
      best = d.xs[i] as number;
      bestW = w;
    }
  }
  return best;
}

/** What `stats` need kept (SpecError for an unknown statistic, or a weighted one without exact semantics). */
function analyse(stats: readonly StatName[], semantics: string): Needs {
  let keep = false;
  let spread = false;
  let weighted = false;
  let wSpread = false;
  for (const s of stats) {
    const q = quantileOf(s);
    if (WEIGHTED_STATS.has(s)) {
      if (semantics !== 'exact') throw new SpecError(`"${s}" needs coverage "exact" (exactextract's weighted statistics); center and all_touched have no weighted form`);
      weighted = true;
      if (s === 'weighted_stdev' || s === 'weighted_variance') wSpread = true;
    }
    if (q !== null || NEEDS_VALUES.has(s)) keep = true;
    else if (NEEDS_SPREAD.has(s)) spread = true;
    else if (!RUNNING.has(s) && !WEIGHTED_STATS.has(s) && !CELL_LIST_STATS.has(s) && !POSITION_STATS.has(s)) throw new SpecError(`unknown statistic ${JSON.stringify(s)}`);
  }
  return { keep, spread, weighted, wSpread, count: stats.length };
}
