/**
 * Cell-centre selection, as GDAL's polygon rasterizer (rasterio
 * `geometry_mask`, rasterstats' default): for each row, the scanline through
 * the cell centres (v = r + 0.5, grid units) crosses the edges whose
 * [vmin, vmax) contains it; crossings are sorted and cells are filled between
 * pairs from floor(uL + 0.5) to floor(uR + 0.5) − 1 (a centre exactly on the
 * left crossing is out, on the right one in), even-odd over all rings of the
 * geometry (holes, and parts, as GDAL collects them). A horizontal edge lying
 * exactly on a scanline is filled when it runs leftwards in pixel space (GDAL's
 * "bottom segment" rule), so ring orientation matters exactly as in GDAL.
 */
import type { Position } from '../geometry/types';
import type { RasterGrid, Window } from '../raster/grid';
import { toGridRings } from './coverage.exact';

/** Centre coverage (0/1) of polygons over a window. */
export function centerCoverage(polygons: readonly Position[][][], grid: RasterGrid, w: Window): Float64Array {
  const out = new Float64Array(w.rows * w.cols);
  const rings = polygons.flatMap((p) => toGridRings(p, grid));
  const xs: number[] = [];
  for (let r = w.row0; r < w.row0 + w.rows; r++) {
    const y = r + 0.5;
    xs.length = 0;
    for (const ring of rings) {
      const n = ring.length / 2;
      for (let i = 0; i + 1 < n; i++) {
        let x1 = ring[2 * i] as number;
        let y1 = ring[2 * i + 1] as number;
        let x2 = ring[2 * i + 2] as number;
        let y2 = ring[2 * i + 3] as number;
        if ((y1 < y && y2 < y) || (y1 > y && y2 > y)) continue;
        if (y1 === y2) {
          // a horizontal segment lying on the scanline is filled when it runs rightwards in pixel space
          // (GDAL's separate fill of "bottom" segments, as observed in rasterio 1.3.5 / GDAL 3.6.2 results)
          if (x1 < x2) {
            const left = Math.max(Math.floor(x1 + 0.5), w.col0);
            const right = Math.min(Math.floor(x2 + 0.5) - 1, w.col0 + w.cols - 1);
            for (let c = left; c <= right; c++) out[(r - w.row0) * w.cols + (c - w.col0)] = 1;
          }
          continue;
        }
        if (y1 > y2) {
          [x1, x2] = [x2, x1];
          [y1, y2] = [y2, y1];
        }
        if (y < y2 && y >= y1) xs.push(((y - y1) * (x2 - x1)) / (y2 - y1) + x1);
      }
    }
    if (xs.length < 2) continue;
    xs.sort((a, b) => a - b);
    for (let i = 0; i + 1 < xs.length; i += 2) {
      const left = Math.max(Math.floor((xs[i] as number) + 0.5), w.col0);
      const right = Math.min(Math.floor((xs[i + 1] as number) + 0.5) - 1, w.col0 + w.cols - 1);
      for (let c = left; c <= right; c++) out[(r - w.row0) * w.cols + (c - w.col0)] = 1;
    }
  }
  return out;
}
