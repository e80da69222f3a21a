/**
 * Points take the cell that contains them: column floor(u), row floor(v) in
 * grid units (a point on a shared edge goes right/down); a point on the
 * raster's right or bottom outer edge belongs to the last cell. Several
 * points in one cell weigh 1 once (as rasterizing them does).
 */
import type { Position } from '../geometry/types';
import type { RasterGrid, Window } from '../raster/grid';

/** The (row, col) of a point, or null outside the raster. */
export function pointCell(p: Position, grid: RasterGrid): { row: number; col: number } | null {
  const u = (p[0] - grid.originX) / grid.resX;
  const v = (grid.originY - p[1]) / grid.resY;
  if (!(u >= 0 && u <= grid.width && v >= 0 && v <= grid.height)) return null;
  return { row: Math.min(Math.floor(v), grid.height - 1), col: Math.min(Math.floor(u), grid.width - 1) };
}

/** Point coverage over a window. */
export function pointsCoverage(points: readonly Position[], grid: RasterGrid, w: Window): Float64Array {
  const out = new Float64Array(w.rows * w.cols);
  for (const p of points) {
    const cell = pointCell(p, grid);
    if (!cell) continue;
    const r = cell.row - w.row0;
    const c = cell.col - w.col0;
    if (r >= 0 && r < w.rows && c >= 0 && c < w.cols) out[r * w.cols + c] = 1;
  }
  return out;
}
