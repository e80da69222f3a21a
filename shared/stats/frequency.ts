/**
 * A feature's values as a frequency table: each distinct value with its total
 * weight (coverage-fraction sums in exact mode, cell counts in unweighted
 * mode) and, when asked, its total c·w (`weighted_frac`). This is
 * exactextract's per-feature storage for the statistics that need the values
 * (RasterStats' `m_freq`, an unordered_map<T, WeightInfo>): its memory is
 * bounded by the number of distinct values, not by the number of cells
 * (a UInt16 raster has at most 65,536 of them).
 *
 * Cells are added in chunks, in input order, and each value's weights are
 * summed in that order, so {@link FrequencyTable.distinct} gives bit for bit
 * what groupDistinct (distinct.ts) gives on all the cells at once. Two layouts:
 * - dense: all values so far integers within a span of at most 2^17: one
 *   Float64Array indexed by value - lo (no hashing);
 * - sparse: any other values (non-integers, a wider span, ±Infinity): an
 *   open-addressing hash table (linear probing on the float64's bits) from
 *   value to a slot in growable arrays. A dense table turns sparse the first
 *   time a value does not fit. Measured, 4 M cells of distinct float32
 *   values added in rows of 10,980 (the worst case: nothing repeats): a JS Map
 *   5.3 s CPU, this table 1.1 s, grouping every cell at once 0.7 s (and twice
 *   the memory); 256 distinct floats: 0.05 s, all at once 0.36 s.
 */
import type { Distinct } from './distinct';
import { sortOrder } from './radix';

/** Widest span (max - min) of integer values the dense layout holds (1 MiB of sums). */
export const DENSE_SPAN_MAX = 1 << 17;
const INITIAL_SLOTS = 1024;

/** Distinct values with their summed weights (and c·w), filled chunk by chunk. */
export class FrequencyTable {
  /** dense: sums of weights (0 = value absent: weights are > 0) and of c·w, of value lo + k at k */
  private lo = 0;
  private dense: Float64Array | null = null;
  private denseCW: Float64Array | null = null;
  private denseCount = 0;
  /** sparse: hash table of slot + 1 (0: empty; a power of two long); slot i holds xs[i], its weights ws[i] and c·w cws[i] */
  private slots: Int32Array | null = null;
  private xs: Float64Array = new Float64Array(0);
  private ws: Float64Array = new Float64Array(0);
  private cws: Float64Array = new Float64Array(0);
  private d = 0;

  /** `withCW`: also sum c·w per value (for `weighted_frac`). */
  constructor(private readonly withCW: boolean) {}

  /** Number of distinct values held. */
  get size(): number {
    return this.slots !== null ? this.d : this.denseCount;
  }

  /** Entries allocated to hold them (the memory bound: at most DENSE_SPAN_MAX + 1 dense, else ~2 x size). */
  get capacity(): number {
    return this.slots !== null ? this.xs.length : (this.dense?.length ?? 0);
  }

  /**
   * Adds the first `n` cells in order: `values` (not NaN), `weights` (> 0; null = 1 each) and `cws` (c·w,
   * when built `withCW`). `min` and `max` bound every value added so far and these (the accumulator's).
   */
  add(values: Float64Array, weights: Float64Array | null, cws: Float64Array | null, n: number, min: number, max: number): void {
    if (n === 0) return;
    let i = 0;
    if (this.slots === null) {
      if (this.fitDense(min, max)) i = this.addDense(values, weights, cws, n);
      if (i < n) this.toSparse();
    }
    if (i < n) this.addSparse(values, weights, cws, i, n);
  }

  /** True when the dense layout holds [min, max] (grown if needed); false: the table must turn sparse. */
  private fitDense(min: number, max: number): boolean {
    if (!(Number.isInteger(min) && Number.isInteger(max) && max - min <= DENSE_SPAN_MAX)) return false;
    const cur = this.dense;
    if (cur !== null && min >= this.lo && max <= this.lo + cur.length - 1) return true;
    const acc = new Float64Array(max - min + 1);
    const accCW = this.withCW ? new Float64Array(max - min + 1) : null;
    if (cur !== null) {
      acc.set(cur, this.lo - min);
      if (accCW !== null && this.denseCW !== null) accCW.set(this.denseCW, this.lo - min);
    }
    this.lo = min;
    this.dense = acc;
    this.denseCW = accCW;
    return true;
  }

  /** Adds cells densely from the first; returns the index of the first non-integer value (n: all added). */
  private addDense(values: Float64Array, weights: Float64Array | null, cws: Float64Array | null, n: number): number {
    const acc = this.dense as Float64Array;
    const accCW = this.denseCW;
    const lo = this.lo;
    let count = this.denseCount;
    let i = 0;
    for (; i < n; i++) {
      const k = (values[i] as number) - lo;
      if ((k | 0) !== k) break;
      const prev = acc[k] as number;
      if (prev === 0) count++;
      acc[k] = prev + (weights === null ? 1 : (weights[i] as number));
      if (accCW !== null) accCW[k] = (accCW[k] as number) + (cws === null ? NaN : (cws[i] as number));
    }
    this.denseCount = count;
    return i;
  }

  /** Moves the dense sums into the sparse layout. */
  private toSparse(): void {
    this.slots = new Int32Array(INITIAL_SLOTS * 2);
    const acc = this.dense;
    this.dense = null;
    if (acc === null) return;
    const accCW = this.denseCW;
    this.denseCW = null;
    for (let k = 0; k < acc.length; k++) {
      const w = acc[k] as number;
      if (w === 0) continue;
      const s = this.slot(this.lo + k);
      this.ws[s] = w;
      if (accCW !== null) this.cws[s] = accCW[k] as number;
    }
    this.denseCount = 0;
  }

  private addSparse(values: Float64Array, weights: Float64Array | null, cws: Float64Array | null, from: number, n: number): void {
    for (let i = from; i < n; i++) {
      const x = values[i] as number;
      const s = this.slot(x);
      this.ws[s] = (this.ws[s] as number) + (weights === null ? 1 : (weights[i] as number));
      if (this.withCW) this.cws[s] = (this.cws[s] as number) + (cws === null ? NaN : (cws[i] as number));
    }
  }

  /** The slot of `x`, a new one (sums 0) when `x` is not held yet. */
  private slot(xIn: number): number {
    const x = xIn + 0; // -0 -> 0: one value (and one hash)
    let table = this.slots as Int32Array;
    let mask = table.length - 1;
    let h = hash(x) & mask;
    for (;;) {
      const t = table[h] as number;
      if (t === 0) break;
      if (this.xs[t - 1] === x) return t - 1;
      h = (h + 1) & mask;
    }
    const s = this.d++;
    if (s === this.xs.length) {
      const cap = Math.max(INITIAL_SLOTS, 2 * s);
      this.xs = grow(this.xs, cap);
      this.ws = grow(this.ws, cap);
      if (this.withCW) this.cws = grow(this.cws, cap);
    }
    this.xs[s] = x;
    if (2 * this.d > table.length) {
      // at most half full: rehash every slot (this one included) into a table twice as long
      table = new Int32Array(table.length * 2);
      mask = table.length - 1;
      for (let j = 0; j < this.d; j++) {
        let k = hash(this.xs[j] as number) & mask;
        while (table[k] !== 0) k = (k + 1) & mask;
        table[k] = j + 1;
      }
      this.slots = table;
    } else table[h] = s + 1;
    return s;
  }

  /** The distinct values ascending with their summed weights. */
  distinct(): Distinct {
    return this.collect(false);
  }

  /** The distinct values ascending with their summed c·w (needs `withCW`). */
  distinctCW(): Distinct {
    return this.collect(true);
  }

  private collect(cw: boolean): Distinct {
    if (this.slots === null) {
      const acc = this.dense;
      const n = this.denseCount;
      const xs = new Float64Array(n);
      const ws = new Float64Array(n);
      if (acc === null) return { xs, ws };
      const from = cw ? this.denseCW : acc;
      let j = 0;
      for (let k = 0; k < acc.length; k++) {
        if (acc[k] === 0) continue;
        xs[j] = this.lo + k;
        ws[j] = from === null ? NaN : (from[k] as number);
        j++;
      }
      return { xs, ws };
    }
    // distinct values: the radix sort's permutation carries their sums (no look-up per value)
    const order = sortOrder(this.xs, this.d);
    const xs = new Float64Array(this.d);
    const ws = new Float64Array(this.d);
    const from = cw ? this.cws : this.ws;
    for (let i = 0; i < this.d; i++) {
      const j = order[i] as number;
      xs[i] = this.xs[j] as number;
      ws[i] = from[j] as number;
    }
    return { xs, ws };
  }
}

const BITS = new Float64Array(1);
const WORDS = new Uint32Array(BITS.buffer);

/** A 32-bit hash of a double's bits (both words mixed, murmur3's finaliser). */
function hash(x: number): number {
  BITS[0] = x;
  let h = Math.imul((WORDS[0] as number) ^ Math.imul(WORDS[1] as number, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function grow(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}
