/** Bounding boxes of geometries. */
import type { BBox, Geometry, Position } from './types';

/** Calls `fn` on every position of a geometry. */
export function forEachPosition(g: Geometry, fn: (p: Position) => void): void {
  switch (g.type) {
    case 'Point': fn(g.coordinates); break;
    case 'MultiPoint': case 'LineString': g.coordinates.forEach(fn); break;
    case 'MultiLineString': case 'Polygon': for (const l of g.coordinates) l.forEach(fn); break;
    case 'MultiPolygon': for (const p of g.coordinates) for (const l of p) l.forEach(fn); break;
    case 'GeometryCollection': for (const x of g.geometries) forEachPosition(x, fn); break;
  }
}

/** The bounding box of the finite positions (null when there is none). */
export function geometryBBox(g: Geometry): BBox | null {
  let xmin = Infinity;
  let ymin = Infinity;
  let xmax = -Infinity;
  let ymax = -Infinity;
  forEachPosition(g, (p) => {
    const [x, y] = p;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    if (x < xmin) xmin = x;
    if (x > xmax) xmax = x;
    if (y < ymin) ymin = y;
    if (y > ymax) ymax = y;
  });
  return xmin <= xmax ? { xmin, ymin, xmax, ymax } : null;
}

/** The bounding box of the finite points `from`..`to` (exclusive) of flat coordinates `xs`/`ys` (null when there is none). */
export function finiteBox(xs: ArrayLike<number>, ys: ArrayLike<number>, from = 0, to = xs.length): BBox | null {
  let xmin = Infinity;
  let ymin = Infinity;
  let xmax = -Infinity;
  let ymax = -Infinity;
  for (let k = from; k < to; k++) {
    const x = xs[k] as number;
    const y = ys[k] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < xmin) xmin = x;
    if (x > xmax) xmax = x;
    if (y < ymin) ymin = y;
    if (y > ymax) ymax = y;
  }
  return xmin <= xmax ? { xmin, ymin, xmax, ymax } : null;
}
