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

/**
 * The bounding box of the finite positions (null when there is none). Loops into a typed array, not
 * {@link forEachPosition}: a callback's running min and max live in its closure's context, where V8 boxes
 * every new double (a heap number per update; ~20 MB per 100,000 fields on the prepare thread).
 */
export function geometryBBox(g: Geometry): BBox | null {
  const b = RUN;
  b[0] = Infinity;
  b[1] = Infinity;
  b[2] = -Infinity;
  b[3] = -Infinity;
  boxOf(g, b);
  return b[0] <= b[2] ? { xmin: b[0], ymin: b[1], xmax: b[2], ymax: b[3] } : null;
}

/** {@link geometryBBox}'s running box: xmin, ymin, xmax, ymax (used within one synchronous call). */
const RUN = new Float64Array(4);

function boxOf(g: Geometry, b: Float64Array): void {
  switch (g.type) {
    case 'Point': boxRun([g.coordinates], b); break;
    case 'MultiPoint': case 'LineString': boxRun(g.coordinates, b); break;
    case 'MultiLineString': case 'Polygon': for (const l of g.coordinates) boxRun(l, b); break;
    case 'MultiPolygon': for (const p of g.coordinates) for (const l of p) boxRun(l, b); break;
    case 'GeometryCollection': for (const x of g.geometries) boxOf(x, b); break;
  }
}

function boxRun(ps: readonly Position[], b: Float64Array): void {
  let xmin = b[0] as number;
  let ymin = b[1] as number;
  let xmax = b[2] as number;
  let ymax = b[3] as number;
  for (let k = 0; k < ps.length; k++) {
    const p = ps[k] as Position;
    const x = p[0];
    const y = p[1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < xmin) xmin = x;
    if (x > xmax) xmax = x;
    if (y < ymin) ymin = y;
    if (y > ymax) ymax = y;
  }
  b[0] = xmin;
  b[1] = ymin;
  b[2] = xmax;
  b[3] = ymax;
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

/** The box covering `a` and `b` (a new object; `a` null: a copy of `b`). */
export function unionBBox(a: BBox | null, b: BBox): BBox {
  return a === null ? { ...b } : { xmin: Math.min(a.xmin, b.xmin), ymin: Math.min(a.ymin, b.ymin), xmax: Math.max(a.xmax, b.xmax), ymax: Math.max(a.ymax, b.ymax) };
}

/**
 * The index of the first position with a non-finite coordinate, counted in {@link forEachPosition}'s order,
 * or -1 when every coordinate is finite (loops: no callback per position).
 */
export function firstNonFinite(g: Geometry): number {
  const r = scan(g, 0);
  return r < 0 ? ~r : -1;
}

/** The count of positions after `g`'s from index `k`, or ~index of the first non-finite one (negative). */
function scan(g: Geometry, k: number): number {
  switch (g.type) {
    case 'Point': return Number.isFinite(g.coordinates[0]) && Number.isFinite(g.coordinates[1]) ? k + 1 : ~k;
    case 'MultiPoint': case 'LineString': return scanRun(g.coordinates, k);
    case 'MultiLineString': case 'Polygon':
      for (const l of g.coordinates) if ((k = scanRun(l, k)) < 0) return k;
      return k;
    case 'MultiPolygon':
      for (const p of g.coordinates) for (const l of p) if ((k = scanRun(l, k)) < 0) return k;
      return k;
    case 'GeometryCollection':
      for (const x of g.geometries) if ((k = scan(x, k)) < 0) return k;
      return k;
  }
}

function scanRun(ps: readonly Position[], k: number): number {
  for (let j = 0; j < ps.length; j++, k++) {
    const p = ps[j] as Position;
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) return ~k;
  }
  return k;
}
