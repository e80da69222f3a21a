/**
 * Lines (LineString, MultiLineString): the cells a line passes through, found
 * by an exact traversal of each segment along its crossings of grid lines
 * (every cell whose interior the segment crosses; a piece running exactly
 * along a grid line goes to the cell right of / below it, as points do).
 *
 * `exact` mode follows exactextract for linear geometries
 * (raster_cell_intersection.cpp `collect_lengths`, Cell::traversal_length):
 * a cell's weight is the length of line inside it, in the units of the
 * raster's CRS, summed over every pass (not normalized, so count = total
 * length and mean = length-weighted mean). In `center` and `all_touched`
 * modes the cells weigh 1 and are the ones GDAL's rasterizer burns
 * (coverage.lines-gdal.ts; rasterio `geometry_mask`, rasterstats): a
 * Bresenham walk in `center` (fewer cells than the line crosses), every
 * touched cell in `all_touched`.
 */
import type { Position } from '../geometry/types';
import type { RasterGrid, Window } from '../raster/grid';
import { gdalLineCells } from './coverage.lines-gdal';

/** Line coverage over a window: lengths inside cells in `exact` mode, else 0/1 as GDAL burns them. */
export function linesCoverage(lines: readonly Position[][], grid: RasterGrid, w: Window, mode: 'exact' | 'center' | 'all_touched'): Float64Array {
  const out = new Float64Array(w.rows * w.cols);
  if (mode !== 'exact') {
    gdalLineCells(lines, grid, mode === 'all_touched', (r, c) => {
      const rr = r - w.row0;
      const cc = c - w.col0;
      if (rr >= 0 && rr < w.rows && cc >= 0 && cc < w.cols) out[rr * w.cols + cc] = 1;
    });
    return out;
  }
  const add = (r: number, c: number, len: number): void => {
    const rr = r - w.row0;
    const cc = c - w.col0;
    if (rr < 0 || rr >= w.rows || cc < 0 || cc >= w.cols || r >= grid.height || c >= grid.width) return;
    const k = rr * w.cols + cc;
    out[k] = (out[k] as number) + len;
  };
  const ts: number[] = [];
  const cross = (p0: number, p1: number): void => {
    if (p0 === p1) return;
    const lo = Math.ceil(Math.min(p0, p1));
    const hi = Math.floor(Math.max(p0, p1));
    for (let k = lo; k <= hi; k++) ts.push((k - p0) / (p1 - p0));
  };
  for (const line of lines) {
    for (let i = 0; i + 1 < line.length; i++) {
      const a = line[i] as Position;
      const b = line[i + 1] as Position;
      const u0 = (a[0] - grid.originX) / grid.resX;
      const v0 = (grid.originY - a[1]) / grid.resY;
      const u1 = (b[0] - grid.originX) / grid.resX;
      const v1 = (grid.originY - b[1]) / grid.resY;
      const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
      if (length === 0) continue;
      // parameters where the segment crosses grid lines; each interval between two lies in one cell
      ts.length = 0;
      ts.push(0, 1);
      cross(u0, u1);
      cross(v0, v1);
      ts.sort((x, y) => x - y);
      for (let j = 0; j + 1 < ts.length; j++) {
        const t0 = ts[j] as number;
        const t1 = ts[j + 1] as number;
        if (t1 <= t0) continue;
        const tm = (t0 + t1) / 2;
        add(Math.floor(v0 + (v1 - v0) * tm), Math.floor(u0 + (u1 - u0) * tm), (t1 - t0) * length);
      }
    }
  }
  return out;
}
