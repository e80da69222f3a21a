/**
 * Points take the cell that contains them: column floor(u), row floor(v) in
 * grid units (a point on a shared edge goes right/down); a point on the
 * raster's right or bottom outer edge belongs to the last cell. Several
 * points in one cell weigh 1 once (as rasterizing them does).
 *
 * In `center` mode a point takes the cell GDAL burns (`GDALdllImagePoint`,
 * alg/llrasterize.cpp): floor of its pixel/line position through GDAL's inverse
 * geotransform ({@link gdalInvGeoTransform}), which differs from (x − X0) / res
 * by an ulp for a point on a cell edge of some grids (Web Mercator, 1/3600 degree), and none on the
 * raster's outer right or bottom edge (fixtures/center-grids).
 */
import type { Position } from '../geometry/types';
import type { RasterGrid, Window } from '../raster/grid';
import { gdalInvGeoTransform, toPixel } from './coverage.lines-gdal';

/** The (row, col) of a point, or null outside the raster. */
export function pointCell(p: Position, grid: RasterGrid): { row: number; col: number } | null {
  const u = (p[0] - grid.originX) / grid.resX;
  const v = (grid.originY - p[1]) / grid.resY;
  if (!(u >= 0 && u <= grid.width && v >= 0 && v <= grid.height)) return null;
  return { row: Math.min(Math.floor(v), grid.height - 1), col: Math.min(Math.floor(u), grid.width - 1) };
}

/** The (row, col) GDAL's rasterizer burns for a point, or null outside the raster. */
export function gdalPointCell(p: Position, inv: readonly [number, number, number, number], grid: RasterGrid): { row: number; col: number } | null {
  const [u, v] = toPixel(p, inv);
  const col = Math.floor(u);
  const row = Math.floor(v);
  return col >= 0 && col < grid.width && row >= 0 && row < grid.height ? { row, col } : null;
}

/** Point coverage over a window; `gdal` (center mode): the cells GDAL burns ({@link gdalPointCell}). */
export function pointsCoverage(points: readonly Position[], grid: RasterGrid, w: Window, gdal = false): Float64Array {
  const out = new Float64Array(w.rows * w.cols);
  const inv = gdal ? gdalInvGeoTransform(grid) : null;
  for (const p of points) {
    const cell = inv ? gdalPointCell(p, inv, grid) : pointCell(p, grid);
    if (!cell) continue;
    const r = cell.row - w.row0;
    const c = cell.col - w.col0;
    if (r >= 0 && r < w.rows && c >= 0 && c < w.cols) out[r * w.cols + c] = 1;
  }
  return out;
}
