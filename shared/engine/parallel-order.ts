/**
 * Spatial order of a job's features: each feature's key is the Hilbert index
 * (Skilling's / Wikipedia's `xy2d`) of its window's centre on a 2^16 x 2^16
 * lattice laid over the raster grid (job-order.ts sorts by it), and the job's
 * keys are cut at their quantiles ({@link KeyTally.bounds}), so that each worker
 * gets a compact stretch of the raster with as many features as the others and
 * decodes each tile it needs once (a tile on a border between two stretches is
 * decoded by both). The keys depend only on the windows, so the split is the
 * same on every run.
 */
import type { Window } from '../raster/grid';

const ORDER = 16;
const SIDE = 1 << ORDER;

/**
 * Index of cell (x, y) along the Hilbert curve filling a side x side square
 * (side a power of two; x, y in [0, side)). Consecutive indices are adjacent cells.
 */
export function hilbertIndex(side: number, x: number, y: number): number {
  let d = 0;
  for (let s = side >>> 1; s > 0; s >>>= 1) {
    const rx = (x & s) > 0 ? 1 : 0;
    const ry = (y & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    // rotate the quadrant
    if (ry === 0) {
      if (rx === 1) {
        x = side - 1 - x;
        y = side - 1 - y;
      }
      const t = x;
      x = y;
      y = t;
    }
  }
  return d;
}

/** The Hilbert key of a window's centre on a grid of `width` x `height` cells (centres outside are clamped). */
export function windowKey(w: Window, width: number, height: number): number {
  const cx = (w.col0 + w.cols / 2) / Math.max(1, width);
  const cy = (w.row0 + w.rows / 2) / Math.max(1, height);
  const x = Math.min(SIDE - 1, Math.max(0, Math.floor(cx * SIDE)));
  const y = Math.min(SIDE - 1, Math.max(0, Math.floor(cy * SIDE)));
  return hilbertIndex(SIDE, x, y);
}

/**
 * The keys of a whole job, gathered as its features are spooled (8 bytes each), to cut the job's spatial
 * order into one stretch per worker thread ({@link KeyTally.bounds}).
 */
export class KeyTally {
  private keys = new Float64Array(1024);
  private n = 0;

  /** Adds one feature's key. */
  add(key: number): void {
    if (this.n === this.keys.length) {
      const a = new Float64Array(this.keys.length * 2);
      a.set(this.keys);
      this.keys = a;
    }
    this.keys[this.n++] = key;
  }

  /**
   * `parts - 1` increasing bounds cutting the keys into `parts` stretches of (nearly) equal counts: stretch j
   * holds the keys k with bounds[j - 1] <= k < bounds[j] (equal keys stay in one stretch). Keys equal to
   * `last` (features that touch no raster: nothing to read) are left out of the count. Empty for 1 part.
   */
  bounds(parts: number, last = Number.MAX_SAFE_INTEGER): number[] {
    if (parts <= 1) return [];
    const sorted = this.keys.slice(0, this.n).sort();
    let m = sorted.length;
    while (m > 0 && sorted[m - 1] === last) m--;
    const out: number[] = [];
    for (let j = 1; j < parts; j++) {
      const b = m === 0 ? last : (sorted[Math.min(m - 1, Math.floor((j * m) / parts))] as number);
      out.push(Math.max(b, out[out.length - 1] ?? -Infinity));
    }
    return out;
  }
}
