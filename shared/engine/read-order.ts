/**
 * The order in which `zonalflow stats` reads a GeoPackage's features when it knows where they lie
 * before reading them (gpkg-order.ts: R-tree or envelopes): by the Hilbert index of each feature's
 * bbox centre on a 2^13 x 2^13 lattice laid over the extent of the centres, in the layer's CRS.
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
  let xmin = Infinity;
  let ymin = Infinity;
  let xmax = -Infinity;
  let ymax = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = cx[i] as number;
    const y = cy[i] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < xmin) xmin = x;
    if (x > xmax) xmax = x;
    if (y < ymin) ymin = y;
    if (y > ymax) ymax = y;
  }
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
      key = hilbertIndex(SIDE, Math.min(SIDE - 1, Math.floor((x - xmin) * sx)), Math.min(SIDE - 1, Math.floor((y - ymin) * sy)));
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
