/**
 * A geometry as one run of numbers (the job spool's encoding, job-order.ts; a chunk's geometries
 * travel to a worker thread in one Float64Array of them, parallel-pack.ts): a type code, then part
 * counts, then each run of positions as its length and its x, y pairs. Exact: the same float64 values
 * come back. Pure: no I/O.
 */
import type { Geometry, Position } from './types';

const CODES = { Point: 0, MultiPoint: 1, LineString: 2, MultiLineString: 3, Polygon: 4, MultiPolygon: 5, GeometryCollection: 6 } as const;

/**
 * A geometry as one array of numbers (null stays null): a type code (0 Point, 1 MultiPoint, 2 LineString,
 * 3 MultiLineString, 4 Polygon, 5 MultiPolygon, 6 GeometryCollection), then part counts and each
 * run of positions as its length then x, y pairs. Exact: the same float64 values come back. A plain
 * (packed) array, not a Float64Array: V8 serializes it natively when spooled.
 */
export function encodeGeometry(g: Geometry | null): number[] | null {
  if (g === null) return null;
  const out: number[] = [];
  write(g, out);
  return out;
}

/** The geometry {@link encodeGeometry} encoded, read from `a` at `at` (a record's own array, or a chunk's: job-order.ts encodedGeometries). */
export function decodeGeometry(a: ArrayLike<number>, at = 0): Geometry {
  const [g] = read(a, at);
  return g;
}

function writeRun(ps: readonly Position[], out: number[]): void {
  out.push(ps.length);
  for (const p of ps) out.push(p[0], p[1]);
}

function write(g: Geometry, out: number[]): void {
  out.push(CODES[g.type]);
  switch (g.type) {
    case 'Point':
      out.push(g.coordinates[0], g.coordinates[1]);
      return;
    case 'MultiPoint': case 'LineString': writeRun(g.coordinates, out); return;
    case 'MultiLineString': case 'Polygon':
      out.push(g.coordinates.length);
      for (const part of g.coordinates) writeRun(part, out);
      return;
    case 'MultiPolygon':
      out.push(g.coordinates.length);
      for (const poly of g.coordinates) {
        out.push(poly.length);
        for (const ring of poly) writeRun(ring, out);
      }
      return;
    case 'GeometryCollection':
      out.push(g.geometries.length);
      for (const part of g.geometries) write(part, out);
  }
}

function readRun(a: ArrayLike<number>, at: number): [Position[], number] {
  const n = a[at++] as number;
  const ps = new Array<Position>(n);
  for (let k = 0; k < n; k++, at += 2) ps[k] = [a[at] as number, a[at + 1] as number];
  return [ps, at];
}

function read(a: ArrayLike<number>, at: number): [Geometry, number] {
  const code = a[at++] as number;
  switch (code) {
    case 0: return [{ type: 'Point', coordinates: [a[at] as number, a[at + 1] as number] }, at + 2];
    case 1: case 2: {
      const [ps, next] = readRun(a, at);
      return [code === 1 ? { type: 'MultiPoint', coordinates: ps } : { type: 'LineString', coordinates: ps }, next];
    }
    case 3: case 4: {
      const n = a[at++] as number;
      const parts: Position[][] = [];
      for (let k = 0; k < n; k++) {
        const [ps, next] = readRun(a, at);
        parts.push(ps);
        at = next;
      }
      return [code === 3 ? { type: 'MultiLineString', coordinates: parts } : { type: 'Polygon', coordinates: parts }, at];
    }
    case 5: {
      const n = a[at++] as number;
      const polys: Position[][][] = [];
      for (let k = 0; k < n; k++) {
        const rings = a[at++] as number;
        const poly: Position[][] = [];
        for (let r = 0; r < rings; r++) {
          const [ps, next] = readRun(a, at);
          poly.push(ps);
          at = next;
        }
        polys.push(poly);
      }
      return [{ type: 'MultiPolygon', coordinates: polys }, at];
    }
    case 6: {
      const n = a[at++] as number;
      const parts: Geometry[] = [];
      for (let k = 0; k < n; k++) {
        const [part, next] = read(a, at);
        parts.push(part);
        at = next;
      }
      return [{ type: 'GeometryCollection', geometries: parts }, at];
    }
    default: throw new Error(`geometry encoding: unknown type code ${code}`);
  }
}
