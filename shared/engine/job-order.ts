/**
 * The whole job's spatial order (`zonalflow stats`): each feature, once read,
 * checked and reprojected (ZonalEngine.prepare), becomes a {@link PreparedRecord}
 * keyed by the Hilbert index of its window's centre on the first raster it meets
 * (parallel-order.ts `windowKey`); the records are sorted by key in bounded memory
 * (sorted-runs.ts, spilled to a temporary folder), computed in that order, and
 * their rows placed back into input order by their input position {@link PreparedRecord.i}
 * (output/input-order.ts).
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
import { decodeGeometry, encodeGeometry } from '../geometry/encoded';
import type { Window } from '../raster/grid';
import type { FeatureFields } from './attributes';
import type { EngineFeature, PreparedChunk } from './zonal';
import { windowKey } from './parallel-order';

// the encoding is the geometry module's (encoded.ts); importers here keep finding it where the spool uses it
export { decodeGeometry, encodeGeometry };

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
  g: (number[] | null)[];
  /** Per raster: row0, col0, rows, cols of its window (NaN: none), 4 numbers each. */
  w: number[];
  /** Per raster: why it cannot be reprojected into it, or null. */
  e: (string | null)[];
  /** The input geometry (input CRS, {@link encodeGeometry}), only when rows keep geometries. */
  geometry?: number[] | null;
}

/** Order of records: by key, then input position. */
export function byKey(a: PreparedRecord, b: PreparedRecord): number {
  return a.k - b.k || a.i - b.i;
}

/**
 * The records of a prepared chunk whose first feature is input position `first`. `grids`: the
 * processing grid of each raster (ZonalEngine.processingGrids), `fields` each feature's fields,
 * `keepGeometry` whether rows carry the input geometry; `positions`: each feature's input position
 * instead of `first` onwards (features read in another order: read-order.ts).
 */
export function toRecords(features: readonly EngineFeature[], prepared: PreparedChunk, fields: readonly FeatureFields[], grids: readonly { width: number; height: number }[], first: number, keepGeometry: boolean, positions?: ArrayLike<number>): PreparedRecord[] {
  return features.map((f, j) => {
    // plain arrays of numbers, filled in order (packed: V8 serializes them natively, typed arrays one by one in JS)
    const w: number[] = [];
    let k = NO_KEY;
    prepared.perRaster.forEach((p, r) => {
      const win = p.windows[j];
      if (!win) {
        w.push(NaN, NaN, NaN, NaN);
        return;
      }
      w.push(win.row0, win.col0, win.rows, win.cols);
      const g = grids[r];
      if (k === NO_KEY && g) k = windowKey(win, g.width, g.height);
    });
    const rec: PreparedRecord = {
      i: positions ? (positions[j] as number) : first + j,
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

/**
 * Raster `k`'s geometries of a chunk of records, as they were encoded, in one Float64Array: record i's starts
 * at `starts[i]` (-1: none). What a worker thread decodes (parallel-pack.ts), so that this thread never
 * builds the geometries again.
 */
export function encodedGeometries(records: readonly PreparedRecord[], k: number): { data: Float64Array; starts: Int32Array } {
  return concatEncoded(records.map((r) => r.g[k] ?? null));
}

/** Encoded geometries ({@link encodeGeometry}; null: none) one after the other in one Float64Array: part i's starts at `starts[i]` (-1: none). */
export function concatEncoded(parts: readonly (readonly number[] | null)[]): { data: Float64Array; starts: Int32Array } {
  let n = 0;
  for (const part of parts) n += part?.length ?? 0;
  const data = new Float64Array(n);
  const starts = new Int32Array(parts.length);
  let at = 0;
  parts.forEach((part, i) => {
    if (!part) {
      starts[i] = -1;
      return;
    }
    starts[i] = at;
    data.set(part, at);
    at += part.length;
  });
  return { data, starts };
}

/**
 * A chunk of records as the engine measures it: the features (geometry: the input's when kept, else null) and
 * the prepared chunk; with `local: false` the prepared chunk's geometries are left empty (a worker thread gets
 * them from {@link encodedGeometries}).
 */
export function fromRecords(records: readonly PreparedRecord[], opts: { local?: boolean } = {}): { features: EngineFeature[]; prepared: PreparedChunk } {
  const withLocal = opts.local ?? true;
  const rasters = records[0]?.g.length ?? 0;
  const features = records.map((r): EngineFeature => {
    const f: EngineFeature = { fid: r.fid, id: r.id, geometry: r.geometry ? decodeGeometry(r.geometry) : null };
    if (r.fidText !== undefined) f.fidText = r.fidText;
    if (r.idNull === true) f.idNull = true;
    return f;
  });
  const perRaster = Array.from({ length: rasters }, (_, k) => ({
    local: withLocal ? records.map((r) => {
      const g = r.g[k];
      return g ? decodeGeometry(g) : null;
    }) : [],
    windows: records.map((r): Window | null => {
      const row0 = r.w[k * 4] as number;
      return Number.isNaN(row0) ? null : { row0, col0: r.w[k * 4 + 1] as number, rows: r.w[k * 4 + 2] as number, cols: r.w[k * 4 + 3] as number };
    }),
    errors: records.map((r) => r.e[k] ?? null),
  }));
  return { features, prepared: { problems: records.map((r) => r.problem), perRaster, touched: records.map((r) => r.touched) } };
}
