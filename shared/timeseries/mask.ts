/**
 * Cloud and class masks of one item on its finest grid. A class band
 * (Sentinel-2 SCL style) marks the cells of the excluded classes; only those
 * grow, by `dilate` cells in a square neighbourhood (GFMap's SCL dilation).
 * Cells whose class is nodata, or that lie outside the raster, are masked but
 * never grown: a swath edge or the raster's border does not eat clear cells.
 * A coarser band (SCL at 20 m) is brought onto the finest grid by nearest
 * neighbour at the finest cells' centres.
 */

/** 1 where the class cell is valid and its class is excluded, else 0 (a nodata class cell is NOT excluded: it is masked apart, never grown). */
export function excludedCells(classes: Float64Array, valid: Uint8Array, exclude: ReadonlySet<number>): Uint8Array {
  const out = new Uint8Array(classes.length);
  for (let i = 0; i < classes.length; i++) out[i] = valid[i] === 1 && exclude.has(classes[i] as number) ? 1 : 0;
  return out;
}

/**
 * Grows the set cells (1) of a rows x cols mask by `radius` cells in every direction
 * (square structuring element of side 2*radius+1; separable: rows, then columns). Returns a new mask.
 */
export function dilate(mask: Uint8Array, rows: number, cols: number, radius: number): Uint8Array {
  if (radius <= 0) return mask.slice();
  const tmp = new Uint8Array(mask.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let last = -Infinity;
    for (let c = 0; c < cols; c++) {
      if (mask[base + c] === 1) last = c;
      if (c - last <= radius) tmp[base + c] = 1;
    }
    last = Infinity;
    for (let c = cols - 1; c >= 0; c--) {
      if (mask[base + c] === 1) last = c;
      if (last - c <= radius) tmp[base + c] = 1;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let c = 0; c < cols; c++) {
    let last = -Infinity;
    for (let r = 0; r < rows; r++) {
      if (tmp[r * cols + c] === 1) last = r;
      if (r - last <= radius) out[r * cols + c] = 1;
    }
    last = Infinity;
    for (let r = rows - 1; r >= 0; r--) {
      if (tmp[r * cols + c] === 1) last = r;
      if (last - r <= radius) out[r * cols + c] = 1;
    }
  }
  return out;
}

/** A north-up grid window in world coordinates: origin of its top-left cell and cell size. */
export interface GridFrame { originX: number; originY: number; resX: number; resY: number; rows: number; cols: number }

/** Resamples `src` (on frame `from`) onto frame `to` by nearest neighbour (cell centres); cells falling outside `from` get `fill`. */
export function resampleNearest<T extends Float64Array | Uint8Array>(src: T, from: GridFrame, to: GridFrame, fill: number): T {
  const out = new (src.constructor as new (n: number) => T)(to.rows * to.cols);
  for (let r = 0; r < to.rows; r++) {
    const y = to.originY - (r + 0.5) * to.resY;
    const sr = Math.floor((from.originY - y) / from.resY);
    for (let c = 0; c < to.cols; c++) {
      const x = to.originX + (c + 0.5) * to.resX;
      const sc = Math.floor((x - from.originX) / from.resX);
      out[r * to.cols + c] = sr >= 0 && sr < from.rows && sc >= 0 && sc < from.cols ? (src[sr * from.cols + sc] as number) : fill;
    }
  }
  return out;
}
