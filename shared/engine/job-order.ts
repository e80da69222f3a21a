/**
 * The whole job's spatial order (`zonalflow stats`): each feature, once read,
 * checked and reprojected (ZonalEngine.prepare), becomes a {@link PreparedRecord}
 * keyed by the Hilbert index of its window's centre on the first raster it meets
 * (parallel-order.ts `windowKey`); the records are sorted by key in bounded memory
 * (sorted-runs.ts, spilled to a temporary folder), computed in that order, and
 * their rows sorted back into input order by {@link IndexedRow.i}.
 *
 * Why: features stored in random spatial order touch every tile of a large raster
 * within any window of features, so computing them in input order needs a
 * decoded-tile cache as large as the raster (254 MB for a 10980² UInt16 band) or
 * decodes tiles again and again. In key order, consecutive chunks touch a compact
 * area and a small cache decodes each tile about once. Pure: no I/O here.
 *
 * A record holds what a worker thread needs (no PROJ): per raster the geometry in
 * the raster's CRS (one Float64Array, {@link encodeGeometry}), its window on the
 * processing grid and its reprojection error; and what the row takes from the
 * feature (fid, id, included attributes, the input geometry when rows keep it).
 */
import type { Geometry, Position } from '../geometry/types';
import type { Window } from '../raster/grid';
import type { ResultRow } from '../output/table';
import type { FeatureFields } from './attributes';
import type { EngineFeature, PreparedChunk } from './zonal';
import { windowKey } from './parallel-order';

/** Key of features that touch no raster (read last; they read no tile). */
export const NO_KEY = Number.MAX_SAFE_INTEGER;

/** One prepared feature as spooled (V8-serializable). */
export interface PreparedRecord {
  /** Position in the input (0-based). */
  i: number;
  /** Hilbert key of its window's centre ({@link NO_KEY}: no window on any raster). */
  k: number;
  fid: number;
  fidText?: string | null | undefined;
  id: string;
  idNull?: boolean | undefined;
  /** What its row takes from the feature (attributes.ts). */
  fields: FeatureFields;
  /** Why it cannot be computed at all, or null (ZonalEngine.prepare's `problems`). */
  problem: string | null;
  /** Its window meets some raster. */
  touched: boolean;
  /** Per raster (then band-math output): the geometry in its CRS ({@link encodeGeometry}), or null. */
  g: (Float64Array | null)[];
  /** Per raster: row0, col0, rows, cols of its window (NaN: none), 4 numbers each. */
  w: Float64Array;
  /** Per raster: why it cannot be reprojected into it, or null. */
  e: (string | null)[];
  /** The input geometry (input CRS, {@link encodeGeometry}), only when rows keep geometries. */
  geometry?: Float64Array | null;
}

/** A computed row and its feature's input position (the rows' second sort, back into input order). */
export interface IndexedRow { i: number; r: ResultRow }

/** Order of records: by key, then input position. */
export function byKey(a: PreparedRecord, b: PreparedRecord): number {
  return a.k - b.k || a.i - b.i;
}

/** Order of rows: input position. */
export function byInput(a: IndexedRow, b: IndexedRow): number {
  return a.i - b.i;
}

/**
 * The records of a prepared chunk whose first feature is input position `first`. `grids`: the
 * processing grid of each raster (ZonalEngine.processingGrids), `fields` each feature's fields,
 * `keepGeometry` whether rows carry the input geometry.
 */
export function toRecords(features: readonly EngineFeature[], prepared: PreparedChunk, fields: readonly FeatureFields[], grids: readonly { width: number; height: number }[], first: number, keepGeometry: boolean): PreparedRecord[] {
  return features.map((f, j) => {
    const w = new Float64Array(prepared.perRaster.length * 4).fill(NaN);
    let k = NO_KEY;
    prepared.perRaster.forEach((p, r) => {
      const win = p.windows[j];
      if (!win) return;
      w.set([win.row0, win.col0, win.rows, win.cols], r * 4);
      const g = grids[r];
      if (k === NO_KEY && g) k = windowKey(win, g.width, g.height);
    });
    const rec: PreparedRecord = {
      i: first + j,
      k,
      fid: f.fid,
      id: f.id,
      fields: fields[j] ?? { attributes: [] },
      problem: prepared.problems[j] ?? null,
      touched: prepared.touched[j] ?? false,
      g: prepared.perRaster.map((p) => encodeGeometry(p.local[j] ?? null)),
      w,
      e: prepared.perRaster.map((p) => p.errors[j] ?? null),
    };
    if (f.fidText !== undefined) rec.fidText = f.fidText;
    if (f.idNull === true) rec.idNull = true;
    if (keepGeometry) rec.geometry = encodeGeometry(f.geometry);
    return rec;
  });
}

/** A chunk of records as the engine measures it: the features (geometry: the input's when kept, else null) and the prepared chunk. */
export function fromRecords(records: readonly PreparedRecord[]): { features: EngineFeature[]; prepared: PreparedChunk } {
  const rasters = records[0]?.g.length ?? 0;
  const features = records.map((r): EngineFeature => {
    const f: EngineFeature = { fid: r.fid, id: r.id, geometry: r.geometry ? decodeGeometry(r.geometry) : null };
    if (r.fidText !== undefined) f.fidText = r.fidText;
    if (r.idNull === true) f.idNull = true;
    return f;
  });
  const perRaster = Array.from({ length: rasters }, (_, k) => ({
    local: records.map((r) => {
      const g = r.g[k];
      return g ? decodeGeometry(g) : null;
    }),
    windows: records.map((r): Window | null => {
      const row0 = r.w[k * 4] as number;
      return Number.isNaN(row0) ? null : { row0, col0: r.w[k * 4 + 1] as number, rows: r.w[k * 4 + 2] as number, cols: r.w[k * 4 + 3] as number };
    }),
    errors: records.map((r) => r.e[k] ?? null),
  }));
  return { features, prepared: { problems: records.map((r) => r.problem), perRaster, touched: records.map((r) => r.touched) } };
}

const CODES = { Point: 0, MultiPoint: 1, LineString: 2, MultiLineString: 3, Polygon: 4, MultiPolygon: 5, GeometryCollection: 6 } as const;

/**
 * A geometry as one Float64Array (null stays null): a type code (0 Point, 1 MultiPoint, 2 LineString,
 * 3 MultiLineString, 4 Polygon, 5 MultiPolygon, 6 GeometryCollection), then part counts and each
 * run of positions as its length then x, y pairs. Exact: the same float64 values come back.
 */
export function encodeGeometry(g: Geometry | null): Float64Array | null {
  if (g === null) return null;
  const out = new Float64Array(encodedLength(g));
  const end = write(g, out, 0);
  if (end !== out.length) throw new Error(`geometry encoding: wrote ${end} of ${out.length} numbers`);
  return out;
}

/** The geometry {@link encodeGeometry} encoded. */
export function decodeGeometry(a: Float64Array): Geometry {
  const [g] = read(a, 0);
  return g;
}

function runLength(ps: readonly Position[]): number {
  return 1 + ps.length * 2;
}

function encodedLength(g: Geometry): number {
  switch (g.type) {
    case 'Point': return 3;
    case 'MultiPoint': case 'LineString': return 1 + runLength(g.coordinates);
    case 'MultiLineString': case 'Polygon': return 2 + g.coordinates.reduce((a, p) => a + runLength(p), 0);
    case 'MultiPolygon': return 2 + g.coordinates.reduce((a, poly) => a + 1 + poly.reduce((b, ring) => b + runLength(ring), 0), 0);
    case 'GeometryCollection': return 2 + g.geometries.reduce((a, part) => a + encodedLength(part), 0);
  }
}

function writeRun(ps: readonly Position[], out: Float64Array, at: number): number {
  out[at++] = ps.length;
  for (const p of ps) {
    out[at++] = p[0];
    out[at++] = p[1];
  }
  return at;
}

function write(g: Geometry, out: Float64Array, at: number): number {
  out[at++] = CODES[g.type];
  switch (g.type) {
    case 'Point':
      out[at++] = g.coordinates[0];
      out[at++] = g.coordinates[1];
      return at;
    case 'MultiPoint': case 'LineString': return writeRun(g.coordinates, out, at);
    case 'MultiLineString': case 'Polygon':
      out[at++] = g.coordinates.length;
      for (const part of g.coordinates) at = writeRun(part, out, at);
      return at;
    case 'MultiPolygon':
      out[at++] = g.coordinates.length;
      for (const poly of g.coordinates) {
        out[at++] = poly.length;
        for (const ring of poly) at = writeRun(ring, out, at);
      }
      return at;
    case 'GeometryCollection':
      out[at++] = g.geometries.length;
      for (const part of g.geometries) at = write(part, out, at);
      return at;
  }
}

function readRun(a: Float64Array, at: number): [Position[], number] {
  const n = a[at++] as number;
  const ps = new Array<Position>(n);
  for (let k = 0; k < n; k++, at += 2) ps[k] = [a[at] as number, a[at + 1] as number];
  return [ps, at];
}

function read(a: Float64Array, at: number): [Geometry, number] {
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
