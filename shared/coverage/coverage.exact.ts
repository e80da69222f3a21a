/**
 * Exact coverage fractions of polygons: for every cell of a window, the
 * fraction of its area inside the polygon (holes subtract, parts add), as
 * exactextract computes them. Parts that overlap add unclamped, as in
 * exactextract (RasterCellIntersection::process walks every polygon of a
 * MultiPolygon or GeometryCollection and add_ring_results adds each ring's
 * areas, exterior + and hole −, into one matrix): a cell that two parts cover
 * wholly has coverage 2, one cell weighing 2 in every statistic
 * (test/fixtures/overlapping-parts, checked against its binary).
 *
 * Method (Green's theorem per column, a different route to exactextract's
 * numbers): in grid units (u = column, v = row, cells are unit squares), the
 * area of a ring inside cell (r, c) is ±Σ_edges ∫ h_r(v(u)) du over the edge's
 * part in column c, with h_r(v) = clamp(r + 1 − v, 0, 1) (the length of
 * [v, ∞) inside the row). exactextract walks each ring through the cells and
 * adds the left-hand area of every traversal, then flood-fills the rest; here
 * each edge piece inside a cell adds its exact trapezoid share to that cell
 * (the boundary cells), and for every row wholly below the piece h_r = 1, so
 * the piece's signed width is put once into a per-column carry that a prefix
 * sum spreads down (this replaces the flood fill: interior cells get the sum
 * of the widths above them, i.e. exactly 1 inside and 0 outside).
 *
 * Zero and positive: a cell no ring passes through is wholly inside or outside
 * every ring, so its sum is snapped to an integer, 0 or 1 (or the number of
 * overlapping parts holding it): float noise is never coverage; a cell a ring
 * crosses (its open interior meets a ring) keeps every
 * positive fraction, however small, as exactextract does (a ring clipping a
 * corner by 1e-6 of a cell covers ~1e-13 of it, and the cell counts in min, max,
 * minority, variety...).
 *
 * Cost: O(cells the boundary crosses + window cells), whatever the number of
 * vertices per cell or parts. Ring orientation does not matter, bit for bit:
 * a ring with negative shoelace area is walked backwards, so both orientations
 * give the same edges in the same order (exterior +, holes −). Edges lying
 * on cell edges give exact 0 and 1 (grid lines are integers in grid units).
 *
 * Window independence: a carry width is the difference of its two ends, each
 * rounded (as an offset within its column) to a multiple of 2^-44, so every
 * partial sum of the carry is exact and the order of the prefix sum does not
 * matter: a cell gets bit-for-bit the same weight whichever window (or chunk of
 * `subdivideWindow`) it is computed in. Consecutive pieces share their rounded
 * end, so the widths above an interior cell telescope to exactly 0 or 1; a
 * boundary cell moves by at most ~3e-14 per chain of pieces above it. (In
 * columns c >= 1 the raw widths are already exact, since every u in [c, c+1]
 * shares one exponent; the rounding makes the guarantee unconditional,
 * column 0 and all.)
 */
import type { Position } from '../geometry/types';
import type { RasterGrid, Window } from '../raster/grid';
import type { EncodedRings } from '../geometry/encoded-rings';
import { decodeGeometry } from '../geometry/encoded';

/** A polygon's rings in grid units: [u, v] pairs flattened, first ring exterior. */
export type GridRing = Float64Array;

/**
 * Converts world rings to grid units of `grid` (u = (x − originX)/resX, v = (originY − y)/resY);
 * a ring whose last position differs from its first is closed here.
 */
export function toGridRings(rings: readonly Position[][], grid: RasterGrid): GridRing[] {
  return rings.map((ring) => {
    const out = new Float64Array(gridRingLength(ring) * 2);
    gridRingInto(ring, grid, out);
    return out;
  });
}

/** Positions of a ring in grid units: one more than the ring's when it is not closed. */
function gridRingLength(ring: readonly Position[]): number {
  const first = ring[0];
  const last = ring[ring.length - 1];
  const open = first !== undefined && last !== undefined && (first[0] !== last[0] || first[1] !== last[1]);
  return ring.length + (open ? 1 : 0);
}

/** Writes a ring in grid units into `out` (at least 2 · gridRingLength numbers); returns its number of positions. */
function gridRingInto(ring: readonly Position[], grid: RasterGrid, out: Float64Array): number {
  const n = gridRingLength(ring);
  for (let i = 0; i < n; i++) {
    const p = ring[i % ring.length] as Position;
    out[2 * i] = (p[0] - grid.originX) / grid.resX;
    out[2 * i + 1] = (grid.originY - p[1]) / grid.resY;
  }
  return n;
}

/** Signed shoelace area of a ring in grid units. */
export function ringArea(r: GridRing): number {
  return ringAreaOf(r, r.length / 2);
}

/** Signed shoelace area of the first `n` positions of `r`. */
function ringAreaOf(r: Float64Array, n: number): number {
  let a = 0;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    a += (r[2 * i] as number) * (r[2 * j + 1] as number) - (r[2 * j] as number) * (r[2 * i + 1] as number);
  }
  return a / 2;
}

/**
 * Carry widths are multiples of 1/FIXED so that their sums are exact (see the header): exact while a
 * partial sum stays below 2^(53-44) = 512 in magnitude, i.e. always but for hundreds of boundary
 * passes stacked in one cell (and then only the bit-for-bit chunk identity is lost, not accuracy).
 */
const FIXED = 2 ** 44;

/** An offset within a column (0..1) rounded to a multiple of 1/FIXED (exact scaling by a power of two). */
function fixed(x: number): number {
  return Math.round(x * FIXED) / FIXED;
}

/**
 * The mean of h_r over [lo, hi] (lo ≤ hi), taken piece by piece: h_r is 1 below r, r + 1 − t on [r, r + 1]
 * and 0 above, and a linear piece's mean is its value at the piece's middle. Exact to rounding however short
 * the interval: the difference of h_r's antiderivative at its ends over its length (H(t) = t − r below r,
 * d − d²/2 with d = t − r within, 1/2 above), the textbook form, loses ~1e-16 / (hi − lo) to cancellation (a nearly horizontal edge, e.g. one tilted by 1e-9 m by a
 * reprojection, put ~1e-6 of a cell's coverage wrong).
 */
function hMean(lo: number, hi: number, r: number): number {
  if (hi <= r) return 1;
  if (lo >= r + 1) return 0;
  if (lo >= r && hi <= r + 1) return r + 1 - (lo + hi) / 2;
  // the interval crosses r or r + 1: the pieces' lengths weigh their means (lengths of nearby numbers are exact)
  const len = hi - lo;
  const p = Math.max(lo, r);
  const q = Math.min(hi, r + 1);
  const below = lo < r ? Math.min(hi, r) - lo : 0;
  const middle = q > p ? (q - p) * (r + 1 - (p + q) / 2) : 0;
  return (below + middle) / len;
}

/**
 * Adds the signed area of one polygon (its rings in grid units) to `acc`
 * (rows*cols of the window, row-major) and its full-width pieces to `carry`;
 * with `crossed` (rows*cols), sets 1 for every cell whose open interior a ring
 * passes through (see markCrossed).
 */
export function accumulatePolygon(rings: readonly GridRing[], w: Window, acc: Float64Array, carry: Carry, crossed?: Uint8Array): void {
  for (let ri = 0; ri < rings.length; ri++) {
    const ring = rings[ri] as GridRing;
    accumulateRing(ring, ring.length / 2, ri === 0 ? 1 : -1, w, acc, carry, crossed);
  }
}

/** One ring of a polygon (its first `n` positions in `ring`, grid units): `s` = 1 for the exterior, −1 for a hole. */
function accumulateRing(ring: Float64Array, n: number, s: number, w: Window, acc: Float64Array, carry: Carry, crossed?: Uint8Array): void {
  const cEnd = w.col0 + w.cols;
  const rEnd = w.row0 + w.rows;
  const area = ringAreaOf(ring, n);
  if (area === 0) return;
  // orientation is normalized (a ring with negative area is walked backwards, so both orientations
  // give the same edges in the same order, bit for bit): exterior counts positive, holes negative
  const back = area < 0;
  for (let e = 0; e + 1 < n; e++) {
    const i = back ? n - 1 - e : e;
    const j = back ? i - 1 : i + 1;
    const u0 = ring[2 * i] as number;
    const v0 = ring[2 * i + 1] as number;
    const u1 = ring[2 * j] as number;
    const v1 = ring[2 * j + 1] as number;
    const du = u1 - u0;
    if (du === 0) {
      // a vertical edge adds no area, but off the grid lines it still crosses the cells it runs through
      if (crossed !== undefined) markVertical(u0, v0, v1, w, crossed);
      continue;
    }
    const umin = Math.max(Math.min(u0, u1), w.col0);
    const umax = Math.min(Math.max(u0, u1), cEnd);
    if (umax <= umin) continue;
    const slope = (v1 - v0) / du;
    const dir = du > 0 ? 1 : -1;
    for (let c = Math.floor(umin); c < umax; c++) {
      const a = Math.max(umin, c);
      const b = Math.min(umax, c + 1);
      if (b <= a) continue;
      // endpoints in the direction of travel
      const ua = dir > 0 ? a : b;
      const ub = dir > 0 ? b : a;
      const va = ua === u0 ? v0 : ua === u1 ? v1 : v0 + (ua - u0) * slope;
      const vb = ub === u1 ? v1 : ub === u0 ? v0 : v0 + (ub - u0) * slope;
      const dU = (ub - ua) * s;
      const vmin = Math.min(va, vb);
      const vmax = Math.max(va, vb);
      const rTop = Math.floor(vmin);
      const rBot = Math.floor(vmax);
      const col = c - w.col0;
      if (rTop >= rEnd) continue; // below the window: h = 0 for every window row
      const first = Math.max(rTop, w.row0);
      const last = Math.min(rBot, rEnd - 1);
      for (let r = first; r <= last; r++) {
        const avg = hMean(vmin, vmax, r);
        const k = (r - w.row0) * w.cols + col;
        acc[k] = (acc[k] as number) + dU * avg;
        // the piece spans u in (a, b) ⊂ (c, c + 1); it enters the open cell when its v range meets (r, r + 1)
        if (crossed !== undefined && (Math.max(vmin, r) < Math.min(vmax, r + 1) || (vmin === vmax && vmin > r && vmin < r + 1))) crossed[k] = 1;
      }
      // every row below the segment (inside the window) gets the full dU
      const full = Math.max(rBot + 1, w.row0);
      if (full < rEnd) carry.add(full - w.row0, col, (fixed(ub - c) - fixed(ua - c)) * s);
    }
  }
}

/** Marks the cells of the window that a vertical edge at u (from v0 to v1) crosses: none when u is on a grid line. */
function markVertical(u: number, v0: number, v1: number, w: Window, crossed: Uint8Array): void {
  const c = Math.floor(u);
  if (c === u || c < w.col0 || c >= w.col0 + w.cols) return;
  const vmin = Math.min(v0, v1);
  const vmax = Math.max(v0, v1);
  const first = Math.max(Math.floor(vmin), w.row0);
  const last = Math.min(Math.floor(vmax), w.row0 + w.rows - 1);
  for (let r = first; r <= last; r++) {
    if (Math.max(vmin, r) < Math.min(vmax, r + 1)) crossed[(r - w.row0) * w.cols + (c - w.col0)] = 1;
  }
}

/**
 * The carry: signed widths to add to a column from a window row down, kept as a list per row
 * (memory O(boundary pieces), not O(window cells)).
 */
export class Carry {
  private head: Int32Array;
  // entries in typed arrays kept from window to window (no allocation per feature once they are large enough)
  private next = new Int32Array(64);
  private cols = new Int32Array(64);
  private vals = new Float64Array(64);
  private n = 0;
  constructor(rows: number) {
    this.head = new Int32Array(rows).fill(-1);
  }
  /** Empties the carry for a window of `rows` rows (its buffers are kept). */
  reset(rows: number): void {
    if (this.head.length < rows) this.head = new Int32Array(Math.max(rows, 2 * this.head.length));
    this.head.fill(-1, 0, rows);
    this.n = 0;
  }
  /** Adds `value` to column `col` (window-relative) from row `row` (window-relative) down. */
  add(row: number, col: number, value: number): void {
    const e = this.n;
    if (e === this.vals.length) this.grow();
    this.next[e] = this.head[row] as number;
    this.cols[e] = col;
    this.vals[e] = value;
    this.head[row] = e;
    this.n = e + 1;
  }
  /** Adds row `row`'s entries into `run` (per column); the sums are exact, so their order does not matter. */
  apply(row: number, run: Float64Array): void {
    for (let e = this.head[row] as number; e >= 0; e = this.next[e] as number) {
      const c = this.cols[e] as number;
      run[c] = (run[c] as number) + (this.vals[e] as number);
    }
  }
  private grow(): void {
    const cap = 2 * this.vals.length;
    const next = new Int32Array(cap);
    next.set(this.next);
    this.next = next;
    const cols = new Int32Array(cap);
    cols.set(this.cols);
    this.cols = cols;
    const vals = new Float64Array(cap);
    vals.set(this.vals);
    this.vals = vals;
  }
}

/**
 * Buffers exactCoverage reuses from one window to the next (a caller computing features one after another
 * allocates them once): the result is then a view of `weights`, valid until the next call with the same scratch.
 *
 * `float32Min` (default null: the double fractions): the weights are written as exactextract's float32
 * coverage instead, the kernel doing what engine/cells.ts `cellWeights` does in its `fraction` mode: each
 * fraction f rounded to float32 (Math.fround), 0 when f < `float32Min` (`cellWeights`' threshold
 * max(fround(minCoverageFrac), FLT_MIN), at most 1). Only crossed cells need it: the others are whole
 * numbers, exact in float32 and >= the threshold when not 0. So the caller need not walk every cell of
 * the window again (26 M cells on the 100k benchmark).
 */
export class CoverageScratch {
  /** Set by the last exactCoverage with this scratch: its weights are float32 (`float32Min` was set). */
  float32 = false;
  /** Set by the last exactCoverage with this scratch: it zeroed a positive fraction under `float32Min`. */
  dropped = false;
  /**
   * `ringsFloat32` (default: when `float32Min` is set): a polygon with several rings (holes, parts) is summed
   * ring by ring in float32 as exactextract sums it ({@link ringsFloat32}); for callers whose weights become
   * float32 anyway (engine/cells.ts `cellWeights` in the other modes). Without it the module's 64-bit fractions.
   */
  constructor(
    readonly float32Min: number | null = null,
    readonly ringsFloat32: boolean = float32Min !== null,
  ) {}
  private acc = new Float64Array(256);
  private ringAcc = new Float64Array(256);
  private runs = new Float64Array(64);
  private ringBuf = new Float64Array(256);
  private crossedBuf = new Uint8Array(256);
  readonly carry = new Carry(64);
  /** The crossed cells of the last window to measure again by clipping (their indices). */
  readonly tiny: number[] = [];
  /** Room for a ring of `positions` positions in grid units (contents undefined). */
  ring(positions: number): Float64Array {
    if (this.ringBuf.length < 2 * positions) this.ringBuf = new Float64Array(Math.max(2 * positions, 2 * this.ringBuf.length));
    return this.ringBuf;
  }
  /** `n` zeroed weights. */
  weights(n: number): Float64Array {
    if (this.acc.length < n) this.acc = new Float64Array(Math.max(n, 2 * this.acc.length));
    const out = this.acc.subarray(0, n);
    out.fill(0);
    return out;
  }
  /** `n` zeroed fractions of one ring (ringsFloat32's), apart from `weights`. */
  ringWeights(n: number): Float64Array {
    if (this.ringAcc.length < n) this.ringAcc = new Float64Array(Math.max(n, 2 * this.ringAcc.length));
    const out = this.ringAcc.subarray(0, n);
    out.fill(0);
    return out;
  }
  /** Crossed-cell flags, the first `n` zeroed (the buffer itself, maybe longer: no view allocated per window). */
  crossed(n: number): Uint8Array {
    if (this.crossedBuf.length < n) this.crossedBuf = new Uint8Array(Math.max(n, 2 * this.crossedBuf.length));
    this.crossedBuf.fill(0, 0, n);
    return this.crossedBuf;
  }
  /** Column sums, the first `n` zeroed (the buffer itself, maybe longer). */
  run(n: number): Float64Array {
    if (this.runs.length < n) this.runs = new Float64Array(Math.max(n, 2 * this.runs.length));
    this.runs.fill(0, 0, n);
    return this.runs;
  }
}

/**
 * Exact coverage of polygons (each a list of world rings) over a window. With `scratch`, the result is a
 * view of its buffer (the same values; valid until the scratch's next use).
 */
export function exactCoverage(polygons: readonly Position[][][], grid: RasterGrid, w: Window, scratch?: CoverageScratch): Float64Array {
  if (scratch !== undefined && scratch.ringsFloat32 && (polygons.length > 1 || (polygons[0]?.length ?? 0) > 1)) {
    const rings = polygons.flatMap((p) => p.map((ring, ri) => ({ ring, exterior: ri === 0 })));
    return ringsFloat32(rings.length, (k, out) => gridRingInto((rings[k] as { ring: Position[] }).ring, grid, out), (k) => (rings[k] as { exterior: boolean }).exterior, (k, row, col) => clippedCoverage([[(rings[k] as { ring: Position[] }).ring]], grid, row, col), w, scratch, (k) => gridRingLength((rings[k] as { ring: Position[] }).ring));
  }
  const acc = scratch ? scratch.weights(w.rows * w.cols) : new Float64Array(w.rows * w.cols);
  const carry = scratch ? scratch.carry : new Carry(w.rows);
  const crossed = scratch ? scratch.crossed(w.rows * w.cols) : new Uint8Array(w.rows * w.cols);
  if (scratch) carry.reset(w.rows);
  // parts add linearly and stay unclamped (exactextract's add_ring_results: two parts over a cell give it 2), so one pass accumulates them all
  if (scratch) {
    // each ring converted into the scratch's buffer (the same numbers as toGridRings, nothing allocated)
    for (const poly of polygons) {
      for (let ri = 0; ri < poly.length; ri++) {
        const ring = poly[ri] as Position[];
        const buf = scratch.ring(gridRingLength(ring));
        accumulateRing(buf, gridRingInto(ring, grid, buf), ri === 0 ? 1 : -1, w, acc, carry, crossed);
      }
    }
  } else {
    for (const poly of polygons) accumulatePolygon(toGridRings(poly, grid), w, acc, carry, crossed);
  }
  const run = scratch ? scratch.run(w.cols) : new Float64Array(w.cols);
  const tiny: number[] = scratch ? scratch.tiny : [];
  // several exterior rings may overlap (counted as the encoded path counts them: polygons with a ring)
  let exteriors = 0;
  for (const poly of polygons) exteriors += poly.length > 0 ? 1 : 0;
  const min = scratch?.float32Min ?? null;
  let dropped = (exteriors > 1 ? finishParts : finish)(acc, carry, crossed, run, w, tiny, min);
  for (const k of tiny) {
    acc[k] = clippedCoverage(polygons, grid, w.row0 + Math.floor(k / w.cols), w.col0 + (k % w.cols));
    if (min !== null) dropped = toFloat32(acc, k, min) || dropped;
  }
  if (scratch) {
    scratch.float32 = min !== null;
    scratch.dropped = dropped;
  }
  return acc;
}

/**
 * {@link exactCoverage} of the Polygon or MultiPolygon encoded in `a` at `at` (geometry/encoded.ts), whose
 * rings `rings` lists (encoded-rings.ts): bit for bit the same weights as of the decoded polygons, read
 * where they lie in `a` (decoded only for the rare cell measured again by clipping). The result is a view
 * of the scratch's buffer.
 */
export function exactCoverageEncoded(a: Float64Array, at: number, rings: EncodedRings, grid: RasterGrid, w: Window, scratch: CoverageScratch): Float64Array {
  if (scratch.ringsFloat32 && rings.count > 1) {
    // the rings as world positions, for the rare cell measured again by clipping (decoded once, when needed)
    let world: Position[][] | null = null;
    const ringOf = (k: number): Position[] => {
      if (world === null) {
        const g = decodeGeometry(a, at);
        world = (g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []).flat();
      }
      return world[k] as Position[];
    };
    return ringsFloat32(rings.count, (k, out) => encodedRingInto(a, rings.start[k] as number, rings.size[k] as number, grid, out), (k) => rings.exterior[k] === 1, (k, row, col) => clippedCoverage([[ringOf(k)]], grid, row, col), w, scratch, (k) => (rings.size[k] as number) + 1);
  }
  const acc = scratch.weights(w.rows * w.cols);
  const carry = scratch.carry;
  const crossed = scratch.crossed(w.rows * w.cols);
  carry.reset(w.rows);
  for (let k = 0; k < rings.count; k++) {
    const start = rings.start[k] as number;
    const size = rings.size[k] as number;
    const buf = scratch.ring(size + 1);
    accumulateRing(buf, encodedRingInto(a, start, size, grid, buf), rings.exterior[k] === 1 ? 1 : -1, w, acc, carry, crossed);
  }
  const tiny = scratch.tiny;
  let exteriors = 0;
  for (let k = 0; k < rings.count; k++) exteriors += rings.exterior[k] === 1 ? 1 : 0;
  const min = scratch.float32Min;
  let dropped = (exteriors > 1 ? finishParts : finish)(acc, carry, crossed, scratch.run(w.cols), w, tiny, min);
  if (tiny.length > 0) {
    const g = decodeGeometry(a, at);
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    for (const k of tiny) {
      acc[k] = clippedCoverage(polygons, grid, w.row0 + Math.floor(k / w.cols), w.col0 + (k % w.cols));
      if (min !== null) dropped = toFloat32(acc, k, min) || dropped;
    }
  }
  scratch.float32 = min !== null;
  scratch.dropped = dropped;
  return acc;
}

/**
 * exactextract's float32 coverage of a polygon with several rings (holes, or parts): each ring's fractions
 * computed on their own (exactextract's per-ring `Matrix<float> areas`, a double fraction cast to float, 1 and
 * 0 where the ring does not pass), then added in float32 in the rings' order, exterior + and hole −
 * (RasterCellIntersection::process walks a polygon's exterior, then its holes, part after part;
 * add_ring_results does `m_results->increment(i, j, factor * areas(i, j))` on a Matrix<float>), so a cell two
 * rings cross is fround(fround(a) − fround(b)), not fround(a − b): the same float32 as exactextract's, bit for
 * bit, wherever each ring's fraction is (src/raster_cell_intersection.cpp, exactextract 0.3.1-dev 3b4926b).
 * Each ring is measured over its own bounding box within `w` (cost: the rings' boxes, as exactextract's ring
 * grids), then, with `float32Min`, the sum is thresholded as {@link toFloat32} (0 below it, and when negative;
 * without it the float32 sums are returned for engine/cells.ts `cellWeights` to weigh). The result is a view
 * of the scratch's weights; sets `scratch.float32` and `scratch.dropped`.
 *
 * `ringInto(k, out)` writes ring k in grid units (closed) and returns its positions (room: `positions(k)`);
 * `clip(k, row, col)` is ring k's coverage of a cell by clipping, for a crossed cell whose sum is tiny.
 */
function ringsFloat32(count: number, ringInto: (k: number, out: Float64Array) => number, exterior: (k: number) => boolean, clip: (k: number, row: number, col: number) => number, w: Window, scratch: CoverageScratch, positions: (k: number) => number): Float64Array {
  const total = scratch.weights(w.rows * w.cols);
  const carry = scratch.carry;
  const tiny = scratch.tiny;
  for (let k = 0; k < count; k++) {
    const buf = scratch.ring(positions(k));
    const n = ringInto(k, buf);
    let umin = Infinity;
    let umax = -Infinity;
    let vmin = Infinity;
    let vmax = -Infinity;
    for (let i = 0; i < n; i++) {
      const u = buf[2 * i] as number;
      const v = buf[2 * i + 1] as number;
      if (u < umin) umin = u;
      if (u > umax) umax = u;
      if (v < vmin) vmin = v;
      if (v > vmax) vmax = v;
    }
    const c0 = Math.max(w.col0, Math.floor(umin));
    const c1 = Math.min(w.col0 + w.cols, Math.ceil(umax));
    const r0 = Math.max(w.row0, Math.floor(vmin));
    const r1 = Math.min(w.row0 + w.rows, Math.ceil(vmax));
    if (!(c1 > c0 && r1 > r0)) continue; // outside the window (or not a number)
    const sub: Window = { row0: r0, col0: c0, rows: r1 - r0, cols: c1 - c0 };
    const acc = scratch.ringWeights(sub.rows * sub.cols);
    const crossed = scratch.crossed(sub.rows * sub.cols);
    carry.reset(sub.rows);
    // the ring's own area, positive whatever its orientation or role (exactextract walks it counter-clockwise)
    accumulateRing(buf, n, 1, sub, acc, carry, crossed);
    finish(acc, carry, crossed, scratch.run(sub.cols), sub, tiny, null);
    for (const t of tiny) acc[t] = clip(k, r0 + Math.floor(t / sub.cols), c0 + (t % sub.cols));
    const sign = exterior(k) ? 1 : -1;
    for (let r = 0; r < sub.rows; r++) {
      const at = (r0 - w.row0 + r) * w.cols + (c0 - w.col0);
      for (let c = 0, i = r * sub.cols; c < sub.cols; c++, i++) {
        const f = Math.fround(acc[i] as number);
        if (f !== 0) total[at + c] = Math.fround((total[at + c] as number) + sign * f);
      }
    }
  }
  const min = scratch.float32Min;
  let dropped = false;
  // without a threshold the float32 sums are left to cellWeights (which keeps them: fround is exact on them)
  if (min !== null) {
    for (let k = 0; k < total.length; k++) {
      const t = total[k] as number;
      if (t >= min) continue;
      total[k] = 0;
      if (t > 0) dropped = true;
    }
  }
  scratch.float32 = min !== null;
  scratch.dropped = dropped;
  return total;
}

/**
 * Rounds `acc[k]` to float32, 0 below `min` (or NaN), as engine/cells.ts `cellWeights` does; true when a
 * positive fraction became 0.
 */
function toFloat32(acc: Float64Array, k: number, min: number): boolean {
  const x = acc[k] as number;
  const f = Math.fround(x);
  if (f >= min) {
    acc[k] = f;
    return false;
  }
  acc[k] = 0;
  return x > 0;
}

/**
 * {@link gridRingInto} for a ring of `n` positions lying at `start` of `a` as x, y pairs: the same numbers
 * (closed here when its last position differs from its first); returns its number of positions.
 */
function encodedRingInto(a: Float64Array, start: number, n: number, grid: RasterGrid, out: Float64Array): number {
  const last = start + 2 * (n - 1);
  const open = n > 0 && (a[start] !== a[last] || a[start + 1] !== a[last + 1]);
  const m = n + (open ? 1 : 0);
  for (let i = 0; i < m; i++) {
    const p = start + 2 * (i % n);
    out[2 * i] = ((a[p] as number) - grid.originX) / grid.resX;
    out[2 * i + 1] = (grid.originY - (a[p + 1] as number)) / grid.resY;
  }
  return m;
}

/**
 * The prefix sum of the carry down each column, row by row, into the boundary sums `acc`; each cell's weight
 * then snapped or kept (below). The crossed cells with a tiny sum, to measure again by clipping, are listed
 * in `tiny` (emptied first) by their index in `acc`. For one polygon (a single exterior ring: a sum cannot
 * exceed 1 but by rounding); {@link finishParts} for several. With `min` (CoverageScratch.float32Min) the
 * crossed cells' fractions are written as float32, 0 below `min` (the others are 0 or 1 either way); returns
 * true when a positive fraction became 0 so.
 */
function finish(acc: Float64Array, carry: Carry, crossed: Uint8Array, run: Float64Array, w: Window, tiny: number[], min: number | null): boolean {
  tiny.length = 0;
  const round = min !== null;
  const floor = min ?? 0;
  let dropped = false;
  for (let r = 0, k = 0; r < w.rows; r++) {
    carry.apply(r, run);
    for (let c = 0; c < w.cols; c++, k++) {
      const v = (acc[k] as number) + (run[c] as number);
      // A cell no ring passes through is wholly inside or outside every ring: its sum of ±1 contributions
      // is snapped to exactly 0 or 1 (no float noise becomes coverage). A cell a ring crosses keeps every
      // positive fraction, however small (exactextract counts a cell with coverage > 0 in min, max,
      // minority, variety...: a ring clipping a cell's corner by a micrometre covers ~1e-14 of it), and a
      // sum past 1 − 1e-13 is 1 (rounding). A crossed cell whose sum is within the sums' rounding (SMALL)
      // of 0 is measured again by clipping. (One store per branch, no call in the loop: a conditional
      // expression joining v with the clipping's result made V8 box v, a heap number per crossed cell.)
      if (crossed[k] === 0) acc[k] = v > 0.5 ? 1 : 0;
      else if (v < SMALL) tiny.push(k);
      else if (!round) acc[k] = v > 1 - 1e-13 ? 1 : v;
      else {
        // as toFloat32 (inlined: the loop makes no call); v >= SMALL here, so only a `min` above it drops a cell
        const f = Math.fround(v > 1 - 1e-13 ? 1 : v);
        if (f >= floor) acc[k] = f;
        else {
          acc[k] = 0;
          if (v > 0) dropped = true; // (not a NaN sum)
        }
      }
    }
  }
  return dropped;
}

/**
 * {@link finish} for several polygons (exterior rings), whose sums are never clamped: parts that overlap add,
 * as exactextract adds them, so a cell no ring passes through is snapped to a whole number (0, 1, or 2, 3...
 * where parts overlap) and a crossed cell's sum within 1e-13 of a whole number >= 1 is that number. (A loop
 * of its own: snapping to whole numbers in finish's loop made exactCoverage 3-6 % slower on single polygons.)
 */
function finishParts(acc: Float64Array, carry: Carry, crossed: Uint8Array, run: Float64Array, w: Window, tiny: number[], min: number | null): boolean {
  tiny.length = 0;
  const round = min !== null;
  const floor = min ?? 0;
  let dropped = false;
  for (let r = 0, k = 0; r < w.rows; r++) {
    carry.apply(r, run);
    for (let c = 0; c < w.cols; c++, k++) {
      const v = (acc[k] as number) + (run[c] as number);
      if (crossed[k] === 0) acc[k] = v > 0.5 ? Math.round(v) : 0;
      else if (v < SMALL) tiny.push(k);
      else if (!round) acc[k] = v > 1 - 1e-13 && Math.abs(v - Math.round(v)) < 1e-13 ? Math.round(v) : v;
      else {
        const f = Math.fround(v > 1 - 1e-13 && Math.abs(v - Math.round(v)) < 1e-13 ? Math.round(v) : v);
        if (f >= floor) acc[k] = f;
        else {
          acc[k] = 0;
          if (v > 0) dropped = true; // (not a NaN sum)
        }
      }
    }
  }
  return dropped;
}

/**
 * Below this, a crossed cell's sum is recomputed by clipping (clippedCoverage): the sums carry rounding of
 * up to ~3e-14 per chain of pieces above the cell (carry widths are multiples of 2^-44), which would decide
 * whether a cell covered by 1e-15..1e-13 counts at all.
 */
const SMALL = 1e-12;

/**
 * The coverage of cell (row, col) of `grid` by `polygons` (world rings), by clipping every ring to the cell
 * (Sutherland-Hodgman, in the cell's own grid units, so a corner clipped by 1e-8 of a cell keeps its area to
 * ~1e-5 relative): Σ exterior areas − Σ hole areas over every part (0 when negative; never clamped above, as the sums).
 * For the few crossed cells with a tiny sum.
 */
function clippedCoverage(polygons: readonly Position[][][], grid: RasterGrid, row: number, col: number): number {
  let total = 0;
  for (const poly of polygons) {
    for (let ri = 0; ri < poly.length; ri++) {
      const ring = toGridRings([poly[ri] as Position[]], grid)[0] as GridRing;
      const n = ring.length / 2;
      const area = ringAreaOf(ring, n);
      if (area === 0) continue;
      // cell-local coordinates (exact for vertices near the cell)
      let xs: number[] = [];
      let ys: number[] = [];
      for (let i = 0; i + 1 < n; i++) {
        xs.push((ring[2 * i] as number) - col);
        ys.push((ring[2 * i + 1] as number) - row);
      }
      for (let side = 0; side < 4 && xs.length > 0; side++) {
        const inside = (x: number, y: number): boolean => (side === 0 ? x >= 0 : side === 1 ? x <= 1 : side === 2 ? y >= 0 : y <= 1);
        const ox: number[] = [];
        const oy: number[] = [];
        for (let i = 0; i < xs.length; i++) {
          const j = (i + 1) % xs.length;
          const xa = xs[i] as number;
          const ya = ys[i] as number;
          const xb = xs[j] as number;
          const yb = ys[j] as number;
          const ina = inside(xa, ya);
          const inb = inside(xb, yb);
          if (ina) {
            ox.push(xa);
            oy.push(ya);
          }
          if (ina !== inb) {
            // the crossing of the side's line, interpolated from the end inside (the cell's edge is exact)
            if (side < 2) {
              const x = side === 0 ? 0 : 1;
              ox.push(x);
              oy.push(ya + ((x - xa) * (yb - ya)) / (xb - xa));
            } else {
              const y = side === 2 ? 0 : 1;
              ox.push(xa + ((y - ya) * (xb - xa)) / (yb - ya));
              oy.push(y);
            }
          }
        }
        xs = ox;
        ys = oy;
      }
      // shoelace about the first vertex (differences of nearby coordinates are exact: a sliver keeps its area)
      let a = 0;
      const x0 = xs[0] as number;
      const y0 = ys[0] as number;
      for (let i = 1; i + 1 < xs.length; i++) {
        a += ((xs[i] as number) - x0) * ((ys[i + 1] as number) - y0) - ((xs[i + 1] as number) - x0) * ((ys[i] as number) - y0);
      }
      // |clipped area|, exterior + and holes −, as the sums
      total += (ri === 0 ? 1 : -1) * Math.abs(a / 2);
    }
  }
  return total <= 0 ? 0 : total;
}
