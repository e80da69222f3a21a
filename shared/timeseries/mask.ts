/**
 * Cloud and class masks: a class band (Sentinel-2 SCL style) excludes cells
 * whose class is listed, optionally dilated by N cells (a square structuring
 * element, as GFMap's SCL dilation), and a coarser mask is resampled onto the
 * output grid by nearest neighbour (SCL at 20 m onto 10 m bands).
 */

/** 1 where the class is kept, 0 where it is excluded or the class cell is nodata. */
export function classMask(classes: Float64Array, valid: Uint8Array, exclude: ReadonlySet<number>): Uint8Array {
  const out = new Uint8Array(classes.length);
  for (let i = 0; i < classes.length; i++) out[i] = valid[i] === 1 && !exclude.has(classes[i] as number) ? 1 : 0;
  return out;
}

/** Grows the excluded (0) cells by `radius` cells in every direction (square, separable: rows then columns). */
export function dilateExcluded(mask: Uint8Array, rows: number, cols: number, radius: number): Uint8Array {
  if (radius <= 0) return mask;
  const tmp = new Uint8Array(mask.length);
  // along rows: a cell stays 1 only if no 0 lies within radius on its row
  for (let r = 0; r < rows; r++) {
    let lastZero = -Infinity;
    const base = r * cols;
    const nextZero = new Int32Array(cols);
    let nz = Number.MAX_SAFE_INTEGER;
    for (let c = cols - 1; c >= 0; c--) {
      if (mask[base + c] === 0) nz = c;
      nextZero[c] = Math.min(nz, 2 ** 31 - 1);
    }
    for (let c = 0; c < cols; c++) {
      if (mask[base + c] === 0) lastZero = c;
      tmp[base + c] = c - lastZero > radius && (nextZero[c] as number) - c > radius ? 1 : 0;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let c = 0; c < cols; c++) {
    let lastZero = -Infinity;
    const nextZero = new Int32Array(rows);
    let nz = 2 ** 31 - 1;
    for (let r = rows - 1; r >= 0; r--) {
      if (tmp[r * cols + c] === 0) nz = r;
      nextZero[r] = nz;
    }
    for (let r = 0; r < rows; r++) {
      if (tmp[r * cols + c] === 0) lastZero = r;
      out[r * cols + c] = r - lastZero > radius && (nextZero[r] as number) - r > radius ? 1 : 0;
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
