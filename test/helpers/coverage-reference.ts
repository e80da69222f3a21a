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

/** Shoelace area, with coordinates taken relative to (ox, oy) so that large (UTM-sized) coordinates keep their precision. */
function area(r: Position[], ox = 0, oy = 0): number {
  let a = 0;
  for (let i = 0; i < r.length; i++) {
    const p = r[i] as Position;
    const q = r[(i + 1) % r.length] as Position;
    a += (p[0] - ox) * (q[1] - oy) - (q[0] - ox) * (p[1] - oy);
  }
  return a / 2;
}

/** Coverage fraction of each cell of the window (row-major): the parts' clipped areas added, unclamped (overlapping parts give > 1, as exactextract). */
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
          const a = Math.abs(area(ring, x0, y0));
          part += k === 0 ? a : -a;
        });
        sum += part;
      }
      out[r * w.cols + c] = Math.max(0, sum / (grid.resX * grid.resY));
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

/** Length of segment a-b inside the rectangle [x0,x1] x [y0,y1] (Liang–Barsky clipping). */
export function clippedLength(a: Position, b: Position, x0: number, y0: number, x1: number, y1: number): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [[-dx, a[0] - x0], [dx, x1 - a[0]], [-dy, a[1] - y0], [dy, y1 - a[1]]];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return 0;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
    }
  }
  return t1 > t0 ? (t1 - t0) * Math.hypot(dx, dy) : 0;
}

/** Length of each line inside each cell of the window (row-major), cell by cell. */
export function slowLineLengths(lines: Position[][], grid: RasterGrid, w: Window): Float64Array {
  const out = new Float64Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) {
    for (let c = 0; c < w.cols; c++) {
      const x0 = grid.originX + (w.col0 + c) * grid.resX;
      const y1 = grid.originY - (w.row0 + r) * grid.resY;
      for (const line of lines) {
        for (let i = 0; i + 1 < line.length; i++) {
          out[r * w.cols + c] = (out[r * w.cols + c] as number) + clippedLength(line[i] as Position, line[i + 1] as Position, x0, y1 - grid.resY, x0 + grid.resX, y1);
        }
      }
    }
  }
  return out;
}
