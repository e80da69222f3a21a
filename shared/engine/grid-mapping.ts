/**
 * Combining a value raster and a weights raster on different but compatible
 * grids, as exactextract does (`Grid::compatible_with`, `common_grid`,
 * `RasterView`): the grids are compatible when each resolution is an integer
 * multiple of the other's and the origins are aligned on the finer grid. The
 * statistics are then computed on the common (finer) grid over the value
 * raster's extent: coverage fractions of the fine cells, each fine cell
 * taking the value of the raster cell that contains it (so `count` is in fine
 * cells, as in exactextract). Cells outside the weights raster have no weight.
 */
import { RasterError } from '../errors';
import type { RasterGrid, Window } from '../raster/grid';

/** How the processing grid's cells map onto one raster: source cell = floor((cell + offset) / factor). */
export interface AxisMap { factorX: number; factorY: number; offsetX: number; offsetY: number }

/** The processing grid of a value raster (and a weights raster), and how each maps onto it. */
export interface GridPlan { grid: RasterGrid; values: AxisMap; weights: AxisMap | null }

const IDENTITY: AxisMap = { factorX: 1, factorY: 1, offsetX: 0, offsetY: 0 };

/** n if x is within 1e-6 (relative) of an integer n, else null. */
function integral(x: number): number | null {
  const n = Math.round(x);
  return Math.abs(x - n) <= 1e-6 * Math.max(1, Math.abs(x)) ? n : null;
}

/** The plan for `values` with an optional `weights` grid; RasterError naming both when they are not compatible. */
export function planGrids(values: RasterGrid, weights: RasterGrid | null, names: { values: string; weights: string }): GridPlan {
  if (weights === null) return { grid: values, values: IDENTITY, weights: null };
  const resX = Math.min(values.resX, weights.resX);
  const resY = Math.min(values.resY, weights.resY);
  const fvx = integral(values.resX / resX);
  const fvy = integral(values.resY / resY);
  const fwx = integral(weights.resX / resX);
  const fwy = integral(weights.resY / resY);
  const ox = integral((values.originX - weights.originX) / resX);
  const oy = integral((weights.originY - values.originY) / resY);
  if (fvx === null || fvy === null || fwx === null || fwy === null || ox === null || oy === null) {
    throw new RasterError(
      `the weights raster ${names.weights} (cells ${weights.resX} x ${weights.resY}, origin ${weights.originX}, ${weights.originY}) is not on a grid compatible with ${names.values} ` +
        `(cells ${values.resX} x ${values.resY}, origin ${values.originX}, ${values.originY}): resolutions must be integer multiples of each other and origins aligned (as exactextract requires); resample it onto the value raster's grid (gdalwarp -tr/-te/-tap)`,
    );
  }
  const grid: RasterGrid = { width: values.width * fvx, height: values.height * fvy, originX: values.originX, originY: values.originY, resX, resY };
  return { grid, values: { factorX: fvx, factorY: fvy, offsetX: 0, offsetY: 0 }, weights: { factorX: fwx, factorY: fwy, offsetX: ox, offsetY: oy } };
}

/** True when the map is the identity (the raster's own grid). */
export function isIdentity(m: AxisMap): boolean {
  return m.factorX === 1 && m.factorY === 1 && m.offsetX === 0 && m.offsetY === 0;
}

/** The raster window holding a processing-grid window. */
export function sourceWindow(w: Window, m: AxisMap): Window {
  const row0 = Math.floor((w.row0 + m.offsetY) / m.factorY);
  const col0 = Math.floor((w.col0 + m.offsetX) / m.factorX);
  const row1 = Math.floor((w.row0 + w.rows - 1 + m.offsetY) / m.factorY);
  const col1 = Math.floor((w.col0 + w.cols - 1 + m.offsetX) / m.factorX);
  return { row0, col0, rows: row1 - row0 + 1, cols: col1 - col0 + 1 };
}

/** Spreads a raster window's values (read over `sourceWindow(w, m)`) onto the processing window `w`. */
export function spread(src: { values: Float64Array; valid: Uint8Array }, w: Window, m: AxisMap): { values: Float64Array; valid: Uint8Array } {
  if (isIdentity(m)) return src;
  const s = sourceWindow(w, m);
  const n = w.rows * w.cols;
  const values = new Float64Array(n);
  const valid = new Uint8Array(n);
  for (let r = 0, k = 0; r < w.rows; r++) {
    const sr = Math.floor((w.row0 + r + m.offsetY) / m.factorY) - s.row0;
    for (let c = 0; c < w.cols; c++, k++) {
      const sc = Math.floor((w.col0 + c + m.offsetX) / m.factorX) - s.col0;
      const j = sr * s.cols + sc;
      values[k] = src.values[j] as number;
      valid[k] = src.valid[j] as number;
    }
  }
  return { values, valid };
}
