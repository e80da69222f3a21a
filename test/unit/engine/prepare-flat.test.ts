/**
 * A chunk prepared from flat geometries (prepare-flat.ts) is packed exactly as packed-records.ts packs
 * `ZonalEngine.prepare` of the same features read by wkb.ts: the same problems (same messages), reprojection
 * errors, limit errors, windows, touched flags and float64 geometries, on a raster PROJ reprojects into
 * (EPSG:32633, from EPSG:4326 features) and one in the features' CRS; the one-line messages checked here are
 * the engine's own (GEOMETRY_INVALID, GEOMETRY_EMPTY, CRS_TRANSFORM_FAILED, LIMIT_EXCEEDED). A chunk with a
 * feature crossing the antimeridian is left to the engine.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureProj } from '../../../shared/crs/transform';
import { crsFromEpsg } from '../../../shared/crs/epsg';
import { openZonalRasters } from '../../../shared/engine/rasters';
import { ZonalEngine } from '../../../shared/engine/zonal';
import { FlatPreparer } from '../../../shared/engine/prepare-flat';
import { packRecords } from '../../../shared/engine/packed-records';
import { addFlat, FlatGeometries, flatChunk } from '../../../shared/geometry/wkb-flat';
import { parseGpkgGeometry } from '../../../shared/geometry/wkb';
import { LOCAL_ONLY } from '../../../shared/io/uri';
import type { Feature, Geometry, Position } from '../../../shared/geometry/types';
import { gp, wkb } from '../geometry/wkb-writer';
import { BEYOND_POLES, BOWTIE, box, LE, LINE, ON_BOTH, UTM, WGS84 } from '../../helpers/prepare-cases';

const circle = (x: number, y: number, r: number, n: number): Position[] => {
  const ring: Position[] = Array.from({ length: n }, (_, i) => [x + r * Math.cos((2 * Math.PI * i) / n), y + r * Math.sin((2 * Math.PI * i) / n)]);
  ring.push(ring[0] as Position);
  return ring;
};

const GEOMETRIES: (Geometry | null)[] = [
  ...ON_BOTH,
  { type: 'MultiPoint', coordinates: [[4.75, 52.5], [15.0002, 45.1540]] },
  LINE,
  { type: 'MultiLineString', coordinates: [[[4.71, 52.2], [4.73, 52.21]], [[15.0002, 45.1537], [15.0004, 45.1538]]] },
  null,
  // a bowtie, an unclosed ring, a ring of 3 positions, a line of 1 position, a non-finite coordinate
  BOWTIE,
  { type: 'Polygon', coordinates: [[[15.0001, 45.1536], [15.0005, 45.1536], [15.0005, 45.1540], [15.0001, 45.1540]]] },
  { type: 'MultiPolygon', coordinates: [[box(4.8, 52.4, 0.001)], [[[4.8, 52.4], [4.81, 52.4], [4.8, 52.4]]]] },
  { type: 'MultiLineString', coordinates: [[[4.71, 52.2], [4.73, 52.21]], [[4.71, 52.2]]] },
  { type: 'LineString', coordinates: [[4.71, 52.2], [Infinity, 52.21]] },
  // a ring of more than 64 positions, valid and crossing itself
  { type: 'Polygon', coordinates: [circle(4.85, 52.45, 0.002, 200)] },
  { type: 'Polygon', coordinates: [[...circle(4.85, 52.45, 0.01, 100).slice(0, 100), [4.87, 52.47], [4.83, 52.43], circle(4.85, 52.45, 0.01, 100)[0] as Position]] },
  // beyond the poles (PROJ cannot project it into UTM), and a window over the per-feature cell limit
  BEYOND_POLES,
  { type: 'Polygon', coordinates: [box(14.999, 45.153, 0.003)] },
  { type: 'Polygon', coordinates: [box(4.75, 52.3, 0.03)] },
];

/** Features as gpkg.ts reads them: keys, ids (a NULL id, a stored fid that is not the key), no geometry. */
function features(n: number): Feature[] {
  return Array.from({ length: n }, (_, k): Feature => {
    const f: Feature = { fid: k + 1, id: `f${k}`, geometry: null, properties: {} };
    if (k === 3) {
      f.idNull = true;
      f.id = '';
    }
    if (k === 5) f.fidText = 'x5';
    return f;
  });
}

describe('FlatPreparer: a chunk packed from flat geometries equals packRecords(ZonalEngine.prepare)', () => {
  let engine: ZonalEngine;
  beforeAll(async () => {
    await ensureProj();
    const rasters = await openZonalRasters([{ uri: UTM }, { uri: WGS84 }], { allowed: LOCAL_ONLY });
    engine = new ZonalEngine(rasters, crsFromEpsg(4326), { stats: ['count', 'mean'], coverage: 'exact', maxCellsInMemory: 1 << 20, maxCellsPerFeature: 60 });
  });

  const pack = (geometries: (Geometry | null)[], keepGeometry: boolean): { flat: ReturnType<FlatPreparer['pack']>; engine: ReturnType<typeof packRecords> } => {
    const blobs = geometries.map((g) => (g ? gp(wkb(g, LE)) : null));
    const chunk = flatChunk(new FlatGeometries(), blobs.length);
    blobs.forEach((b, k) => expect(addFlat(chunk, k, b)).toBe(true));
    const fields = geometries.map(() => ({ attributes: [] }));
    const positions = geometries.map((_, k) => 100 + k);
    const flat = new FlatPreparer(engine).pack(features(blobs.length), chunk, fields, positions, keepGeometry);
    const read = features(blobs.length).map((f, k) => ({ ...f, geometry: blobs[k] ? parseGpkgGeometry(blobs[k]) : null }));
    return { flat, engine: packRecords(read, engine.prepare(read), fields, positions, keepGeometry) };
  };

  it('valid and invalid features of every kind, kept geometries or not', () => {
    for (const keep of [true, false]) {
      const got = pack(GEOMETRIES, keep);
      expect(got.flat).toEqual(got.engine);
    }
    const { flat } = pack(GEOMETRIES, false);
    // the engine's messages, one line each, name the feature
    expect(flat?.problems.filter((p) => p !== null).map((p) => (p).split(':')[0])).toEqual(['GEOMETRY_EMPTY', 'GEOMETRY_INVALID', 'GEOMETRY_INVALID', 'GEOMETRY_INVALID', 'GEOMETRY_INVALID', 'GEOMETRY_INVALID', 'GEOMETRY_INVALID']);
    expect(flat?.problems[8]).toMatch(/^GEOMETRY_INVALID: feature "f8" \(fid 9\): the exterior ring of polygon intersects itself at \(/);
    expect(flat?.problems[14]).toMatch(/intersects itself/);
    expect(flat?.problems[13]).toBeNull();
    expect(flat?.perRaster[0]?.errors[15]).toMatch(/^CRS_TRANSFORM_FAILED: feature "f15" \(fid 16\): cannot reproject .*PROJ cannot transform its vertex \(15\.0003, 95\)/);
    expect(flat?.perRaster[0]?.errors[16]).toMatch(/^LIMIT_EXCEEDED: feature "f16"/);
    expect(flat?.perRaster[1]?.errors[17]).toMatch(/^LIMIT_EXCEEDED: feature "f17"/);
    expect(Array.from(flat?.touched ?? [])).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it('a chunk with a feature crossing the antimeridian is left to the engine (null)', () => {
    const crossing: Geometry = { type: 'Polygon', coordinates: [[[179.9, 10], [-179.9, 10], [-179.9, 11], [179.9, 11], [179.9, 10]]] };
    expect(pack([GEOMETRIES[0] as Geometry, crossing], false).flat).toBeNull();
  });
});
