/**
 * Points take the cell that contains them; several points in one cell weigh 1 once (as rasterizing them does).
 *
 * In `exact` mode that is the cell exactextract's grid gives a coordinate (`Grid::get_column`, `get_row`,
 * src/grid.h, 0.3.1-dev 3b4926b): column floor((x − xmin) / dx), row floor((ymax − y) / dy), with the extent
 * xmax = xmin + nx·dx, ymin = ymax − ny·dy (gdal_raster_wrapper.cpp), a point on a shared edge going right/down
 * and one on the raster's outer right or bottom edge (x == xmax, y == ymin) belonging to the last cell.
 * exactextract itself refuses points ("Unsupported geometry type."): this is the rule it locates every vertex
 * by, with no other for points to follow.
 *
 * In `center` and `all_touched` a point takes the cell GDAL burns (`GDALdllImagePoint`, alg/llrasterize.cpp,
 * which gdalrasterize.cpp calls for points whatever ALL_TOUCHED says): floor of its pixel/line position
 * through GDAL's inverse geotransform ({@link gdalInvGeoTransform}), which differs from (x − X0) / res by an
 * ulp for a point on a cell edge of some grids (Web Mercator, 1/3600 degree), and none on the raster's outer
 * right or bottom edge (fixtures/center-grids, `center` and `all_touched`).
 */
import type { Position } from '../geometry/types';
import type { RasterGrid, Window } from '../raster/grid';
import { gdalInvGeoTransform, toPixel } from './coverage.lines-gdal';

/** The (row, col) of a point as exactextract's grid locates it (`Grid::get_cell`), or null outside the raster. */
export function pointCell(p: Position, grid: RasterGrid): { row: number; col: number } | null {
  const [x, y] = p;
  const xmax = grid.originX + grid.width * grid.resX;
  const ymin = grid.originY - grid.height * grid.resY;
  if (!(x >= grid.originX && x <= xmax && y >= ymin && y <= grid.originY)) return null;
  const col = x === xmax ? grid.width - 1 : Math.min(Math.floor((x - grid.originX) / grid.resX), grid.width - 1);
  const row = y === ymin ? grid.height - 1 : Math.min(Math.floor((grid.originY - y) / grid.resY), grid.height - 1);
  return { row, col };
}

/** The (row, col) GDAL's rasterizer burns for a point, or null outside the raster. */
export function gdalPointCell(p: Position, inv: readonly [number, number, number, number], grid: RasterGrid): { row: number; col: number } | null {
  const [u, v] = toPixel(p, inv);
  const col = Math.floor(u);
  const row = Math.floor(v);
  return col >= 0 && col < grid.width && row >= 0 && row < grid.height ? { row, col } : null;
}

/** Point coverage over a window; `gdal` (center and all_touched): the cells GDAL burns ({@link gdalPointCell}), else exactextract's grid's ({@link pointCell}). */
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
