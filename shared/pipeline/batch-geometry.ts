/**
 * The geometries of a batch file from a GeoPackage: Plan writes each feature's geometry blob as stored
 * (GeoPackage header and WKB; batch-file.ts) instead of GeoJSON coordinates, and the Worker prepares
 * the batch from the blobs as `stats` prepares a GeoPackage's chunks (wkb-flat.ts, prepare-flat.ts): flat
 * coordinate arrays, no GeoJSON arrays per position. GeoJSON coordinates as text were most of a batch
 * file's bytes; parsing them back into nested arrays, checking them, and reprojecting those took the
 * Worker ~1.3 CPU s and Plan ~0.5 s on the 100k case, with their garbage. Features whose blob the flat
 * reader leaves (a GeometryCollection...), a feature crossing the antimeridian in a lon/lat layer, a
 * time series and rows that keep their geometry take the blobs parsed into GeoJSON (wkb.ts, the reader
 * Plan itself used), as before.
 */
import type { Feature } from '../geometry/types';
import { FlatGeometries, addFlat, flatChunk } from '../geometry/wkb-flat';
import { finiteBox } from '../geometry/bbox';
import { parseGpkgGeometry } from '../geometry/wkb';
import { FlatPreparer } from '../engine/prepare-flat';
import { inputOfPacked } from '../engine/packed-records';
import type { EngineFeature, PreparedChunk, ZonalEngine } from '../engine/zonal';
import type { BatchFeature } from './batch-file';

/**
 * Features `from`..`to` (exclusive) with their blobs parsed into GeoJSON (a blob that cannot be read: the
 * feature's `problem`, as the GeoPackage reader says it); each blob is parsed once (then dropped from `blobs`).
 */
export function parseBlobs(features: BatchFeature[], blobs: (Uint8Array | null)[], from = 0, to = features.length): void {
  for (let k = from; k < to; k++) {
    const blob = blobs[k];
    const f = features[k];
    if (!blob || !f) continue;
    blobs[k] = null;
    try {
      f.geometry = parseGpkgGeometry(blob);
    } catch (err) {
      f.problem = `unreadable geometry: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}

/**
 * `features` prepared from their blobs (`blobs[k]` is feature k's) as {@link ZonalEngine.prepare} prepares
 * them from GeoJSON (the same problems, windows and coordinates: prepare-flat.ts), their geometries in each
 * raster's CRS encoded (`encoded`, no `local`). Null when some feature has a GeoJSON geometry, a blob the flat
 * reader leaves or a position across the antimeridian in a lon/lat layer: the caller parses the blobs and
 * prepares with the engine.
 */
export function prepareFromBlobs(engine: ZonalEngine, features: readonly EngineFeature[], blobs: readonly (Uint8Array | null)[]): PreparedChunk | null {
  const n = features.length;
  const chunk = flatChunk(new FlatGeometries(), n);
  const plain: Feature[] = new Array<Feature>(n);
  for (let k = 0; k < n; k++) {
    const f = features[k] as EngineFeature;
    const blob = blobs[k] ?? null;
    if (blob === null && f.geometry !== null) return null;
    if (!addFlat(chunk, k, blob)) return null;
    plain[k] = { fid: f.fid, id: f.id, geometry: null, properties: {}, ...(f.fidText !== undefined ? { fidText: f.fidText } : {}), ...(f.idNull === true ? { idNull: true } : {}), ...(f.problem !== undefined ? { problem: f.problem } : {}) };
  }
  // as ZonalEngine.prepare: the CRS notes named at the centre of the features' extent (each one's finite positions)
  if (engine.outside) engine.placeCrsNotes(finiteBox(chunk.flat.xs, chunk.flat.ys, 0, chunk.flat.positions));
  const positions = Float64Array.from({ length: n }, (_, k) => k);
  const packed = new FlatPreparer(engine).pack(plain, chunk, plain.map(() => ({ attributes: [] })), positions, false);
  return packed === null ? null : inputOfPacked(packed, true).prepared;
}
