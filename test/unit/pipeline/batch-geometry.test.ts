/**
 * A batch file's GeoPackage geometry blobs (batch-geometry.ts): they travel byte for byte (format 2 as stored, format 1
 * in base64), and the batch
 * prepared from them measures exactly as `ZonalEngine.prepare` of the same features read by wkb.ts (the rows,
 * problems, windows and touched flags), on a raster PROJ reprojects into (EPSG:32633, from EPSG:4326 features)
 * and one in the features' CRS. Blobs the flat reader leaves, a GeoJSON feature beside them, are left to the engine.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureProj } from '../../../shared/crs/transform';
import { crsFromEpsg } from '../../../shared/crs/epsg';
import { openZonalRasters } from '../../../shared/engine/rasters';
import { ZonalEngine } from '../../../shared/engine/zonal';
import type { EngineFeature } from '../../../shared/engine/zonal';
import { LOCAL_ONLY } from '../../../shared/io/uri';
import { BatchFileSchema, batchFileBytes, readBatchFile } from '../../../shared/pipeline/batch-file';
import { parseBlobs, prepareFromBlobs } from '../../../shared/pipeline/batch-geometry';
import type { Geometry } from '../../../shared/geometry/types';
import { gp, wkb } from '../geometry/wkb-writer';
import { BEYOND_POLES, BOWTIE, box, LE, LINE, ON_BOTH, UTM, WGS84 } from '../../helpers/prepare-cases';

const GEOMETRIES: (Geometry | null)[] = [
  ...ON_BOTH,
  LINE,
  null,
  // a bowtie (GEOMETRY_INVALID), beyond the poles (CRS_TRANSFORM_FAILED on UTM), outside both rasters
  BOWTIE,
  BEYOND_POLES,
  { type: 'Polygon', coordinates: [box(-40, 10, 0.001)] },
];

const CRS = { name: 'EPSG:4326', def: 'EPSG:4326', epsg: 4326 };
const HEADER = JSON.stringify({ jobId: 'j', batchId: 'b', crs: CRS });

/** The batch file features as Plan writes them for a GeoPackage: a blob for each geometry, a stored fid and a NULL id (format 2). */
function written(geometries: (Geometry | null)[]): Buffer {
  return batchFileBytes(HEADER, geometries.map((g, k) => {
    const extra = { ...(k === 3 ? { idNull: true } : {}), ...(k === 4 ? { fidText: 'x4' } : {}) };
    return {
      fid: k + 1,
      id: k === 3 ? '' : `f${k}`,
      blob: g === null ? null : gp(wkb(g, LE)),
      extra: g === null ? JSON.stringify({ ...extra, geometry: null }) : Object.keys(extra).length > 0 ? JSON.stringify(extra) : null,
    };
  }));
}

/** The same features as a Plan before format 2 wrote them: JSON, the blobs in base64 (`gpkg`). */
function writtenJson(geometries: (Geometry | null)[]): Buffer {
  const features = geometries.map((g, k) => ({
    fid: k + 1,
    id: k === 3 ? '' : `f${k}`,
    ...(k === 3 ? { idNull: true } : {}),
    ...(k === 4 ? { fidText: 'x4' } : {}),
    ...(g === null ? { geometry: null } : { gpkg: Buffer.from(gp(wkb(g, LE))).toString('base64') }),
  }));
  return Buffer.from(JSON.stringify({ jobId: 'j', batchId: 'b', crs: CRS, features }));
}

const parse = (file: Buffer): { features: EngineFeature[]; blobs: (Uint8Array | null)[] } => {
  const { batch, blobs } = readBatchFile(file, 's3://out/batch');
  return { features: batch.features, blobs };
};

describe('batch file geometry blobs', () => {
  let engine: ZonalEngine;
  beforeAll(async () => {
    await ensureProj();
    const rasters = await openZonalRasters([{ uri: UTM }, { uri: WGS84 }], { allowed: LOCAL_ONLY });
    engine = new ZonalEngine(rasters, crsFromEpsg(4326), { stats: ['count', 'mean', 'min', 'max'], coverage: 'exact', maxCellsInMemory: 1 << 20, maxCellsPerFeature: 100_000 });
  });

  it.each([['format 2', written], ['format 1 (JSON, base64)', writtenJson]] as const)('travel byte for byte through the batch file (%s) and parse back to the geometries written', (_, write) => {
    const { features, blobs } = parse(write(GEOMETRIES));
    expect(features.map((f) => [f.fid, f.id, f.idNull ?? false, f.fidText ?? null])).toEqual(GEOMETRIES.map((_g, k) => [k + 1, k === 3 ? '' : `f${k}`, k === 3, k === 4 ? 'x4' : null]));
    GEOMETRIES.forEach((g, k) => {
      expect(features[k]?.geometry).toBeNull();
      expect(blobs[k] === null ? null : Array.from(blobs[k] as Uint8Array)).toEqual(g === null ? null : Array.from(gp(wkb(g, LE))));
    });
    parseBlobs(features, blobs, 1, 3);
    expect(features.map((f) => f.geometry)).toEqual(GEOMETRIES.map((g, k) => (k >= 1 && k < 3 ? g : null)));
    expect(blobs.map((b) => b !== null)).toEqual(GEOMETRIES.map((g, k) => g !== null && (k < 1 || k >= 3)));
  });

  it('a blob that cannot be read gives the feature its problem, as the GeoPackage reader says it', () => {
    const { features, blobs } = parse(batchFileBytes(HEADER, [{ fid: 1, id: 'a', blob: new Uint8Array([0x47, 0x50, 0, 1, 0, 0, 0, 0, 1, 3, 0]), extra: null }]));
    parseBlobs(features, blobs);
    expect(features[0]?.geometry).toBeNull();
    expect(features[0]?.problem).toMatch(/^unreadable geometry: /);
  });

  it('format 1: the schema refuses a feature with both a geometry and a blob, with neither, or a blob that is not base64', () => {
    const crs = { name: 'EPSG:4326', def: 'EPSG:4326', epsg: 4326 };
    const square = { type: 'Polygon', coordinates: [box(0, 0, 1)] };
    for (const f of [{ fid: 1, id: 'a', geometry: square, gpkg: 'AAAA' }, { fid: 1, id: 'a' }, { fid: 1, id: 'a', gpkg: 'not base64!' }, { fid: 1, id: 'a', gpkg: 'AAA' }]) {
      expect(BatchFileSchema.safeParse({ jobId: 'j', batchId: 'b', crs, features: [f] }).success, JSON.stringify(f)).toBe(false);
    }
    expect(BatchFileSchema.safeParse({ jobId: 'j', batchId: 'b', crs, features: [{ fid: 1, id: 'a', gpkg: 'AAAA' }, { fid: 2, id: 'b', geometry: square }] }).success).toBe(true);
  });

  it('a batch prepared from its blobs measures as the engine measures the GeoJSON geometries', async () => {
    const { features, blobs } = parse(written(GEOMETRIES));
    const flat = prepareFromBlobs(engine, features, blobs);
    expect(flat).not.toBeNull();
    const read: EngineFeature[] = features.map((f, k) => ({ ...f, geometry: GEOMETRIES[k] ?? null }));
    const prepared = engine.prepare(read);
    expect(flat?.problems).toEqual(prepared.problems);
    expect(flat?.touched).toEqual(prepared.touched);
    expect(flat?.perRaster.map((r) => [r.windows, r.errors])).toEqual(prepared.perRaster.map((r) => [r.windows, r.errors]));
    const rows = await engine.measure(features, flat ?? prepared);
    expect(rows).toEqual(await engine.measure(read, prepared));
    // the oracle's side of it: computed features have counts, the bowtie, the NULL geometry and the pole their reasons
    expect(rows.map((r) => (r.error ?? '').split(':')[0])).toEqual(['', '', '', '', '', 'GEOMETRY_EMPTY', 'GEOMETRY_INVALID', 'CRS_TRANSFORM_FAILED', '']);
  });

  it('a blob the flat reader leaves (a GeometryCollection) or a GeoJSON feature beside the blobs: left to the engine (null)', () => {
    const collection: Geometry = { type: 'GeometryCollection', geometries: [GEOMETRIES[0] as Geometry] };
    const a = parse(written([GEOMETRIES[0] as Geometry, collection]));
    expect(prepareFromBlobs(engine, a.features, a.blobs)).toBeNull();
    const b = parse(batchFileBytes(HEADER, [{ fid: 1, id: 'f0', blob: gp(wkb(GEOMETRIES[0] as Geometry, LE)), extra: null }, { fid: 9, id: 'g', blob: null, extra: JSON.stringify({ geometry: GEOMETRIES[1] }) }]));
    expect(prepareFromBlobs(engine, b.features, b.blobs)).toBeNull();
  });
});
