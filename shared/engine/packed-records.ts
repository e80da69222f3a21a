/**
 * A chunk of prepared features packed for the trip from the prepare thread to the main thread and on to
 * a worker thread (stats in reading order, prepare-job.ts prepareOrdered): per raster one Float64Array of
 * geometries (job-order.ts encodeGeometry), one of windows; fids and input positions in Float64Arrays.
 * Their buffers are transferred, not cloned object by object, and the main thread forwards the
 * geometries to the worker as they came (it never decodes them unless it computes itself). Exact: the
 * same float64 values come back. Pure: no I/O.
 */
import type { FeatureFields } from './attributes';
import type { EngineFeature, PreparedChunk } from './zonal';
import type { EncodedGeometries } from './parallel-pack';
import { packWindows, unpackEncoded, unpackWindows } from './parallel-pack';
import { concatEncoded, encodeGeometry, encodedGeometries, fromRecords } from './job-order';
import type { PreparedRecord } from './job-order';
import type { Geometry } from '../geometry/types';

/** A chunk of prepared features, packed (structured-cloneable; {@link transferables} lists its buffers). */
export interface PackedRecords {
  /** Input positions (0-based). */
  i: Float64Array;
  fid: Float64Array;
  id: string[];
  /** Features whose stored fid is not their key: [index in the chunk, stored fid as text or null]. */
  fidText: [number, string | null][];
  /** Indices of the features whose id is NULL. */
  idNull: number[];
  /** Each feature's fields when some feature of the chunk has attributes, a stored fid or a NULL id; else null. */
  fields: FeatureFields[] | null;
  problems: (string | null)[];
  /** 1 where the feature's window meets some raster. */
  touched: Uint8Array;
  /** Per raster (then band-math output): geometries in its CRS, windows (4 float64 each, NaN: none), reprojection errors. */
  perRaster: { geometries: EncodedGeometries; windows: Float64Array; errors: (string | null)[] }[];
  /** The input geometries, only when rows keep them. */
  geometry: EncodedGeometries | null;
}

/** What one chunk's measurement needs (stats-job.ts): built from spooled records or from a packed chunk. */
export interface MeasureInput {
  features: EngineFeature[];
  prepared: PreparedChunk;
  /** Per raster the encoded geometries for a worker thread (empty when this thread measures: `prepared` has them). */
  encoded: EncodedGeometries[];
  /** Each feature's fields by fid, when some feature has any (withFeatureFields); else null. */
  fields: Map<number, FeatureFields> | null;
  /** Input positions, in chunk order. */
  positions: number[];
}

/** Packs a prepared chunk: `fields` each feature's, `positions` their input positions; `keepGeometry`: rows carry the input geometry. */
export function packRecords(features: readonly EngineFeature[], prepared: PreparedChunk, fields: readonly FeatureFields[], positions: ArrayLike<number>, keepGeometry: boolean): PackedRecords {
  const touched = new Uint8Array(features.length);
  prepared.touched.forEach((t, k) => {
    if (t) touched[k] = 1;
  });
  const perRaster = prepared.perRaster.map((p) => ({ geometries: encodeAll(p.local), windows: packWindows(p.windows), errors: [...p.errors] }));
  return packedOf(features, fields, positions, [...prepared.problems], touched, perRaster, keepGeometry ? encodeAll(features.map((f) => f.geometry)) : null);
}

/**
 * A packed chunk from its parts (packRecords', or prepare-flat.ts' from flat geometries): the features' keys,
 * ids and fields with their problems, `touched` flags, geometries and windows per raster, input geometries.
 */
export function packedOf(features: readonly Pick<EngineFeature, 'fid' | 'fidText' | 'id' | 'idNull'>[], fields: readonly FeatureFields[], positions: ArrayLike<number>, problems: (string | null)[], touched: Uint8Array, perRaster: PackedRecords['perRaster'], geometry: EncodedGeometries | null): PackedRecords {
  const n = features.length;
  const fidText: [number, string | null][] = [];
  const idNull: number[] = [];
  const fid = new Float64Array(n);
  const i = new Float64Array(n);
  features.forEach((f, k) => {
    fid[k] = f.fid;
    i[k] = positions[k] as number;
    if (f.fidText !== undefined) fidText.push([k, f.fidText]);
    if (f.idNull === true) idNull.push(k);
  });
  const decorated = fields.some((x) => x.attributes.length > 0 || x.fidText !== undefined || x.idNull === true);
  return {
    i,
    fid,
    id: features.map((f) => f.id),
    fidText,
    idNull,
    fields: decorated ? [...fields] : null,
    problems,
    touched,
    perRaster,
    geometry,
  };
}

/** The buffers of a packed chunk (to transfer with it). */
export function transferables(p: PackedRecords): ArrayBuffer[] {
  const all = [p.i.buffer, p.fid.buffer, p.touched.buffer, ...p.perRaster.flatMap((r) => [r.geometries.data.buffer, r.geometries.starts.buffer, r.windows.buffer]), ...(p.geometry ? [p.geometry.data.buffer, p.geometry.starts.buffer] : [])];
  return [...new Set(all)].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

/**
 * A packed chunk as the engine measures it; `local`: this thread measures (it reads the geometries as they
 * came, `prepared`'s `encoded`), else they go to a worker as they are.
 */
export function inputOfPacked(p: PackedRecords, local: boolean): MeasureInput {
  const n = p.fid.length;
  const geometries = p.geometry ? unpackEncoded(p.geometry, n) : null;
  const features: EngineFeature[] = Array.from({ length: n }, (_, k) => ({ fid: p.fid[k] as number, id: p.id[k] ?? '', geometry: geometries?.[k] ?? null }));
  for (const [k, text] of p.fidText) {
    const f = features[k];
    if (f) f.fidText = text;
  }
  for (const k of p.idNull) {
    const f = features[k];
    if (f) f.idNull = true;
  }
  const prepared: PreparedChunk = {
    problems: p.problems,
    touched: Array.from(p.touched, (t) => t === 1),
    perRaster: p.perRaster.map((r) => ({ local: [], windows: unpackWindows(r.windows), errors: r.errors, ...(local ? { encoded: r.geometries } : {}) })),
  };
  const fields = p.fields ? new Map(p.fields.map((x, k) => [p.fid[k] as number, x])) : null;
  return { features, prepared, encoded: local ? [] : p.perRaster.map((r) => r.geometries), fields, positions: Array.from(p.i) };
}

/** Spooled records as the engine measures them (job-order.ts fromRecords; this thread or a worker reads their geometries as they were encoded). */
export function inputOfRecords(recs: readonly PreparedRecord[], local: boolean): MeasureInput {
  const { features, prepared } = fromRecords(recs, { local: false });
  const geometries = prepared.perRaster.map((_, k) => encodedGeometries(recs, k));
  if (local) prepared.perRaster.forEach((p, k) => {
    p.encoded = geometries[k];
  });
  const encoded = local ? [] : geometries;
  const decorated = recs.some((r) => r.fields.attributes.length > 0 || r.fields.fidText !== undefined || r.fields.idNull === true);
  return { features, prepared, encoded, fields: decorated ? new Map(recs.map((r) => [r.fid, r.fields])) : null, positions: recs.map((r) => r.i) };
}

/** Geometries encoded one after the other (job-order.ts encodeGeometry, concatEncoded): feature k's at starts[k], -1 for none. */
function encodeAll(gs: readonly (Geometry | null)[]): EncodedGeometries {
  return concatEncoded(gs.map((g) => encodeGeometry(g)));
}

