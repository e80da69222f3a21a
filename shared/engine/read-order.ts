/**
 * The order in which `zonalflow stats` reads a GeoPackage's features when it knows where they lie
 * before reading them (gpkg-order.ts: R-tree or envelopes): by the Hilbert index of each feature's
 * bbox centre on a 2^13 x 2^13 lattice laid over the extent of the centres, in the layer's CRS (from
 * the 0.1 % and 99.9 % quantiles of each axis, so that a few far-away features do not squeeze the
 * others into a few cells; those go to the lattice's edge).
 * Reprojection onto the raster is smooth, so features close in this order are close on the raster:
 * consecutive chunks touch a compact area and a small tile cache decodes each tile about once, as
 * with the order of job-order.ts (which keys each prepared feature's window and so needs every
 * feature read first). The order is cut into one stretch per worker thread of equal feature counts.
 * Features without a centre (NULL or empty geometry, no R-tree entry) come last, in input order,
 * at the end of the last stretch. Pure.
 */
import { hilbertIndex } from './parallel-order';

/** Cells per side of the lattice (13 bits a side: key and input position share one float64). */
const ORDER = 13;
const SIDE = 1 << ORDER;
/** Input positions fit in the 26 low bits of a sort value (keys take at most 27 bits: 2^26 cells and one key after them). */
const POSITION_BITS = 26;
const POSITIONS = 2 ** POSITION_BITS;

/** Input positions in reading order, and where each stretch starts. */
export interface ReadOrder {
  /** Input positions (0-based) in reading order. */
  order: Uint32Array;
  /** Stretch j reads `order[starts[j]] .. order[starts[j + 1] - 1]` (the last up to the end); `starts[0]` is 0. */
  starts: number[];
}

/**
 * The reading order of features whose bbox centres are `cx`, `cy` (NaN: none), cut into `parts` stretches
 * of equal counts of features with a centre (at least 1 part). Ties in key keep input order.
 */
export function readOrder(cx: ArrayLike<number>, cy: ArrayLike<number>, parts: number): ReadOrder {
  const n = cx.length;
  const [xmin, xmax] = robustRange(cx, cy, cx);
  const [ymin, ymax] = robustRange(cx, cy, cy);
  const sx = xmax > xmin ? SIDE / (xmax - xmin) : 0;
  const sy = ymax > ymin ? SIDE / (ymax - ymin) : 0;
  // sort value: key x 2^26 + input position (exact in a float64; a native numeric sort, no comparator)
  const keyed = new Float64Array(n);
  let placed = 0;
  for (let i = 0; i < n; i++) {
    const x = cx[i] as number;
    const y = cy[i] as number;
    let key = SIDE * SIDE; // after every lattice cell
    if (Number.isFinite(x) && Number.isFinite(y)) {
      key = hilbertIndex(SIDE, cell((x - xmin) * sx), cell((y - ymin) * sy));
      placed++;
    }
    keyed[i] = n < POSITIONS ? key * POSITIONS + i : key;
  }
  let order: Uint32Array;
  if (n < POSITIONS) {
    keyed.sort();
    order = new Uint32Array(n);
    for (let j = 0; j < n; j++) order[j] = (keyed[j] as number) % POSITIONS;
  } else {
    order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (keyed[a] as number) - (keyed[b] as number) || a - b);
  }
  const k = Math.max(1, Math.floor(parts));
  const starts = Array.from({ length: k }, (_, j) => Math.floor((j * placed) / k));
  return { order, starts };
}

/** Lattice cell of a scaled coordinate, clamped into the lattice (centres outside the robust range go to its edge). */
function cell(v: number): number {
  return Math.max(0, Math.min(SIDE - 1, Math.floor(v)));
}

/** Share of centres left out at each end of an axis' range (one far-away feature must not shrink everyone else into a few cells). */
const TAIL = 0.001;

/**
 * The range of `v` over the features with a centre, from the TAIL and 1 - TAIL quantiles (the nearest ranks):
 * with fewer than 1 / TAIL centres, the minimum and maximum. [Infinity, -Infinity] without any centre.
 */
function robustRange(cx: ArrayLike<number>, cy: ArrayLike<number>, v: ArrayLike<number>): [number, number] {
  const vals = new Float64Array(cx.length);
  let m = 0;
  for (let i = 0; i < cx.length; i++) {
    if (Number.isFinite(cx[i]) && Number.isFinite(cy[i])) vals[m++] = v[i] as number;
  }
  if (m === 0) return [Infinity, -Infinity];
  const last = m - 1;
  const lo = Math.floor(TAIL * last);
  const hi = Math.ceil((1 - TAIL) * last);
  // the two ranks selected in place, the values sorting would put there (the low rank first, then the high one
  // among the values above it): linear, where the two sorts took ~20 ms of 100,000 centres before the first chunk
  const a = vals.subarray(0, m);
  if (!select(a, lo, 0, last) || !select(a, hi, lo, last)) a.sort();
  return [a[lo] as number, a[hi] as number];
}

/**
 * Moves the value of rank `k` of `a[from..to]` (inclusive) to `a[k]`, smaller or equal ones before it and greater
 * or equal ones after it (Hoare's partition around a median of three). False, `a` only permuted, after more rounds
 * than a balanced selection takes (an adversarial input): the caller then sorts.
 */
function select(a: Float64Array, k: number, from: number, to: number): boolean {
  let left = from;
  let right = to;
  for (let rounds = 2 * Math.ceil(Math.log2(to - from + 2)) + 8; rounds > 0; rounds--) {
    if (right <= left) return true;
    const x = a[left] as number;
    const y = a[(left + right) >>> 1] as number;
    const z = a[right] as number;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    // a[left..j] <= pivot <= a[i..right], and a[j + 1..i - 1] equal the pivot
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return true;
  }
  return false;
}
