/**
 * A slow, independent reference for exact coverage: each cell rectangle
 * clips every ring (Sutherland–Hodgman), the clipped rings' shoelace areas
 * are summed with exterior positive and holes negative.
 */
import type { Position } from '../../shared/geometry/types';
import type { RasterGrid, Window } from '../../shared/raster/grid';

function clip(ring: Position[], inside: (p: Position) => boolean, cut: (a: Position, b: Position) => Position): Position[] {
  const out: Position[] = [];
  for (let i = 0; i < ring.length; i++) {
    const cur = ring[i] as Position;
    const prev = ring[(i + ring.length - 1) % ring.length] as Position;
    if (inside(cur)) {
      if (!inside(prev)) out.push(cut(prev, cur));
      out.push(cur);
    } else if (inside(prev)) out.push(cut(prev, cur));
  }
  return out;
}

function area(r: Position[]): number {
  let a = 0;
  for (let i = 0; i < r.length; i++) {
    const p = r[i] as Position;
    const q = r[(i + 1) % r.length] as Position;
    a += p[0] * q[1] - q[0] * p[1];
  }
  return a / 2;
}

/** Coverage fraction of each cell of the window (row-major). */
export function slowExactCoverage(polygons: Position[][][], grid: RasterGrid, w: Window): Float64Array {
  const out = new Float64Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) {
    for (let c = 0; c < w.cols; c++) {
      const x0 = grid.originX + (w.col0 + c) * grid.resX;
      const x1 = x0 + grid.resX;
      const y1 = grid.originY - (w.row0 + r) * grid.resY;
      const y0 = y1 - grid.resY;
      let sum = 0;
      for (const poly of polygons) {
        let part = 0;
        poly.forEach((ring0, k) => {
          let ring = ring0.slice(0, -1);
          const lerp = (a: Position, b: Position, t: number): Position => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
          ring = clip(ring, (p) => p[0] >= x0, (a, b) => lerp(a, b, (x0 - a[0]) / (b[0] - a[0])));
          ring = clip(ring, (p) => p[0] <= x1, (a, b) => lerp(a, b, (x1 - a[0]) / (b[0] - a[0])));
          ring = clip(ring, (p) => p[1] >= y0, (a, b) => lerp(a, b, (y0 - a[1]) / (b[1] - a[1])));
          ring = clip(ring, (p) => p[1] <= y1, (a, b) => lerp(a, b, (y1 - a[1]) / (b[1] - a[1])));
          const a = Math.abs(area(ring));
          part += k === 0 ? a : -a;
        });
        sum += part;
      }
      out[r * w.cols + c] = Math.min(1, Math.max(0, sum / (grid.resX * grid.resY)));
    }
  }
  return out;
}

/** Even-odd point in polygon (all rings). */
export function pointInPolygon(p: Position, rings: Position[][]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const a = ring[i] as Position;
      const b = ring[j] as Position;
      if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
    }
  }
  return inside;
}
