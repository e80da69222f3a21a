/**
 * Geometries and windows packed into typed arrays for the trip to a worker
 * thread: their buffers are transferred, not cloned object by object (cloning
 * 100,000 polygons as nested arrays costs the main thread as much as
 * reprojecting them). Exact: coordinates travel as the same float64 values.
 *
 * Layout: `ints` holds, per geometry, a type code (-1 = null, 0 Point,
 * 1 MultiPoint, 2 LineString, 3 MultiLineString, 4 Polygon, 5 MultiPolygon,
 * 6 GeometryCollection) then its counts (parts, positions); `coords` holds the
 * positions' x, y in order. Windows are 4 float64 each (NaN = no window).
 */
import type { Geometry, Position } from '../geometry/types';
import type { Window } from '../raster/grid';
import type { CellValue, ResultRow } from '../output/table';
import { decodeGeometry } from './job-order';

/** Packed geometries. */
export interface PackedGeometries { ints: Int32Array; coords: Float64Array }

/** Geometries as the job's spool encoded them (job-order.ts encodedGeometries): feature i's at starts[i], -1 for none. */
export interface EncodedGeometries { data: Float64Array; starts: Int32Array }

/** The geometries of either form, `count` of them. */
export function unpackAny(p: PackedGeometries | EncodedGeometries, count: number): (Geometry | null)[] {
  if ('ints' in p) return unpackGeometries(p, count);
  if (p.starts.length !== count) throw new Error(`encoded geometries: ${p.starts.length} for ${count} features`);
  return Array.from(p.starts, (at) => (at < 0 ? null : decodeGeometry(p.data, at)));
}

const CODES = { Point: 0, MultiPoint: 1, LineString: 2, MultiLineString: 3, Polygon: 4, MultiPolygon: 5, GeometryCollection: 6 } as const;

class Writer {
  ints = new Int32Array(1024);
  coords = new Float64Array(4096);
  ni = 0;
  nc = 0;
  int(v: number): void {
    if (this.ni === this.ints.length) {
      const a = new Int32Array(this.ints.length * 2);
      a.set(this.ints);
      this.ints = a;
    }
    this.ints[this.ni++] = v;
  }
  positions(ps: readonly Position[]): void {
    this.int(ps.length);
    if (this.nc + ps.length * 2 > this.coords.length) {
      const a = new Float64Array(Math.max(this.coords.length * 2, this.nc + ps.length * 2));
      a.set(this.coords);
      this.coords = a;
    }
    for (const p of ps) {
      this.coords[this.nc++] = p[0];
      this.coords[this.nc++] = p[1];
    }
  }
  geometry(g: Geometry | null): void {
    if (g === null) {
      this.int(-1);
      return;
    }
    this.int(CODES[g.type]);
    switch (g.type) {
      case 'Point': this.positions([g.coordinates]); return;
      case 'MultiPoint': case 'LineString': this.positions(g.coordinates); return;
      case 'MultiLineString': case 'Polygon':
        this.int(g.coordinates.length);
        for (const part of g.coordinates) this.positions(part);
        return;
      case 'MultiPolygon':
        this.int(g.coordinates.length);
        for (const poly of g.coordinates) {
          this.int(poly.length);
          for (const ring of poly) this.positions(ring);
        }
        return;
      case 'GeometryCollection':
        this.int(g.geometries.length);
        for (const part of g.geometries) this.geometry(part);
    }
  }
}

/** Packs geometries (in order). */
export function packGeometries(gs: readonly (Geometry | null)[]): PackedGeometries {
  const w = new Writer();
  for (const g of gs) w.geometry(g);
  return { ints: w.ints.slice(0, w.ni), coords: w.coords.slice(0, w.nc) };
}

/** The geometries {@link packGeometries} packed, equal to the originals. */
export function unpackGeometries(p: PackedGeometries, count: number): (Geometry | null)[] {
  let ii = 0;
  let ci = 0;
  const { ints, coords } = p;
  const int = (): number => ints[ii++] as number;
  const positions = (): Position[] => {
    const n = int();
    const out = new Array<Position>(n);
    for (let k = 0; k < n; k++, ci += 2) out[k] = [coords[ci] as number, coords[ci + 1] as number];
    return out;
  };
  const geometry = (): Geometry | null => {
    const code = int();
    switch (code) {
      case -1: return null;
      case 0: return { type: 'Point', coordinates: positions()[0] as Position };
      case 1: return { type: 'MultiPoint', coordinates: positions() };
      case 2: return { type: 'LineString', coordinates: positions() };
      case 3: case 4: {
        const parts = Array.from({ length: int() }, () => positions());
        return code === 3 ? { type: 'MultiLineString', coordinates: parts } : { type: 'Polygon', coordinates: parts };
      }
      case 5: return { type: 'MultiPolygon', coordinates: Array.from({ length: int() }, () => Array.from({ length: int() }, () => positions())) };
      case 6: return { type: 'GeometryCollection', geometries: Array.from({ length: int() }, () => geometry()).filter((g): g is Geometry => g !== null) };
      default: throw new Error(`packed geometry: unknown type code ${code}`);
    }
  };
  return Array.from({ length: count }, () => geometry());
}

/** Windows as 4 float64 each (row0, col0, rows, cols; NaN for none). */
export function packWindows(ws: readonly (Window | null)[]): Float64Array {
  const out = new Float64Array(ws.length * 4).fill(NaN);
  ws.forEach((w, i) => {
    if (w === null) return;
    out[i * 4] = w.row0;
    out[i * 4 + 1] = w.col0;
    out[i * 4 + 2] = w.rows;
    out[i * 4 + 3] = w.cols;
  });
  return out;
}

/** The windows {@link packWindows} packed. */
export function unpackWindows(a: Float64Array): (Window | null)[] {
  return Array.from({ length: a.length / 4 }, (_, i) => {
    const row0 = a[i * 4] as number;
    return Number.isNaN(row0) ? null : { row0, col0: a[i * 4 + 1] as number, rows: a[i * 4 + 2] as number, cols: a[i * 4 + 3] as number };
  });
}

/**
 * A part's rows on their way back: each row's values (`width` per row, NaN for null: a statistic is never NaN,
 * toCell makes it null) and its error; the ids and fids are the main thread's own.
 */
export interface PackedValues { width: number; values: Float64Array; errors: (string | null)[] }

/** Packs rows whose values are all numbers or null (with `width` values each); null when some value is not (lists, histograms, fracs). */
export function packValues(rows: readonly ResultRow[], width: number): PackedValues | null {
  const values = new Float64Array(rows.length * width);
  const errors = new Array<string | null>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as ResultRow;
    if (r.values.length !== width) return null;
    for (let k = 0; k < width; k++) {
      const v = r.values[k];
      if (v === null) values[i * width + k] = NaN;
      else if (typeof v === 'number' && v === v) values[i * width + k] = v;
      else return null;
    }
    errors[i] = r.error;
  }
  return { width, values, errors };
}

/** The rows {@link packValues} packed, with their features' ids and fids (in the same order). */
export function unpackValues(p: PackedValues, features: readonly { fid: number; fidText?: string | null | undefined; id: string }[]): ResultRow[] {
  const { width, values, errors } = p;
  return features.map((f, i) => {
    const cells = new Array<CellValue>(width);
    for (let k = 0; k < width; k++) {
      const v = values[i * width + k] as number;
      cells[k] = v === v ? v : null;
    }
    const row: ResultRow = { id: f.id, fid: f.fid, values: cells, error: errors[i] ?? null };
    if (f.fidText !== undefined) row.fidText = f.fidText;
    return row;
  });
}
