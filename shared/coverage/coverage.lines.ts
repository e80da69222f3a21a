/**
 * Lines: every cell whose interior a line passes through (exact traversal by
 * the line's crossings of grid lines, endpoint cells included). In `exact`
 * mode a cell weighs the length of line inside it, in cell widths (length /
 * sqrt(resX * resY)) — a length-weighted mean along the line; in `center` and
 * `all_touched` modes each crossed cell weighs 1.
 */
import type { Position } from '../geometry/types';
import type { RasterGrid, Window } from '../raster/grid';

/** Line coverage over a window. */
export function linesCoverage(lines: readonly Position[][], grid: RasterGrid, w: Window, weighted: boolean): Float64Array {
  const out = new Float64Array(w.rows * w.cols);
  const scale = Math.sqrt(grid.resX * grid.resY);
  const add = (r: number, c: number, len: number): void => {
    const rr = r - w.row0;
    const cc = c - w.col0;
    if (rr < 0 || rr >= w.rows || cc < 0 || cc >= w.cols || r >= grid.height || c >= grid.width) return;
    const k = rr * w.cols + cc;
    out[k] = weighted ? (out[k] as number) + len : 1;
  };
  for (const line of lines) {
    for (let i = 0; i + 1 < line.length; i++) {
      const a = line[i] as Position;
      const b = line[i + 1] as Position;
      const u0 = (a[0] - grid.originX) / grid.resX;
      const v0 = (grid.originY - a[1]) / grid.resY;
      const u1 = (b[0] - grid.originX) / grid.resX;
      const v1 = (grid.originY - b[1]) / grid.resY;
      const worldLen = Math.hypot(b[0] - a[0], b[1] - a[1]) / scale;
      // parameters where the segment crosses grid lines
      const ts = [0, 1];
      const cross = (p0: number, p1: number): void => {
        if (p0 === p1) return;
        const lo = Math.ceil(Math.min(p0, p1));
        const hi = Math.floor(Math.max(p0, p1));
        for (let k = lo; k <= hi; k++) ts.push((k - p0) / (p1 - p0));
      };
      cross(u0, u1);
      cross(v0, v1);
      ts.sort((x, y) => x - y);
      for (let j = 0; j + 1 < ts.length; j++) {
        const t0 = ts[j] as number;
        const t1 = ts[j + 1] as number;
        if (t1 - t0 <= 1e-15 && !(t0 === 0 && t1 === 0)) continue;
        const tm = (t0 + t1) / 2;
        add(Math.floor(v0 + (v1 - v0) * tm), Math.floor(u0 + (u1 - u0) * tm), (t1 - t0) * worldLen);
      }
      if (worldLen === 0) add(Math.floor(v0), Math.floor(u0), 0);
    }
  }
  return out;
}
