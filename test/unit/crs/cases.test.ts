/**
 * The CRS cases of issue 12 (test/fixtures/cases/<case>/, copied from the
 * project's shared cases with their README, make.py and expected.json; the
 * expected values come from ogr2ogr/PROJ 9.1.1 + exactextract 0.3.1, never
 * from zonalflow): NAD27 features over a WGS 84 raster, RD New written three
 * ways, undefined CRSs; plus the "no silent zeros" warning.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStatsJob, type StatsJobResult } from '../../../shared/engine/stats-job';
import { parseJobSpec } from '../../../shared/spec';
import { LOCAL_ONLY } from '../../../shared/io/uri';
import { rowObject } from '../../../shared/output/table';
import { writeGeoPackage } from '../../helpers/gpkg-writer';
import type { Polygon } from '../../../shared/geometry/types';

const CASES = join(import.meta.dirname, '../../fixtures/cases');
const tmp = mkdtempSync(join(tmpdir(), 'zf-crs-cases-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expected<T>(c: string): T {
  return JSON.parse(readFileSync(join(CASES, c, 'expected.json'), 'utf8')) as T;
}

async function run(input: string, raster: string, stats: string[], bands?: number[]): Promise<StatsJobResult> {
  const spec = parseJobSpec({ input: { idColumn: 'id' }, rasters: [{ name: 'r', uri: raster, ...(bands ? { bands } : {}) }], stats, coverage: 'exact' });
  return runStatsJob({ input, spec, allowed: LOCAL_ONLY });
}

const rel = (a: unknown, b: number): number => Math.abs(Number(a) - b) / Math.max(1, Math.abs(b));

describe('case nad27: NAD27 features over a WGS 84 raster are shifted as PROJ does (EPSG:1175 Helmert)', () => {
  it('count and mean equal ogr2ogr + exactextract; the summary names the operation', async () => {
    const e = expected<{ count: number; mean: number; unshifted_mean: number }>('nad27');
    const r = await run(join(CASES, 'nad27/square_nad27.gpkg'), join(CASES, 'nad27/rowcol_wgs84.tif'), ['count', 'mean']);
    const row = rowObject(r.columns, r.rows[0] ?? { id: '', fid: 0, values: [], error: 'none' });
    expect(row.error).toBeNull();
    expect(rel(row.r_count, e.count)).toBeLessThan(1e-6);
    expect(rel(row.r_mean, e.mean)).toBeLessThan(1e-9);
    expect(Math.abs(Number(row.r_mean) - e.unshifted_mean)).toBeGreaterThan(100);
    expect(r.summary.crs?.[0]?.transformation).toMatch(/^EPSG:1175 "NAD27 to WGS 84 \(6\)", accuracy 7 m$/);
    expect(r.summary.warnings).toEqual([]);
  }, 60_000);
});

describe('case rdnew-wkt1: RD New as GDAL writes it (WKT1 without TOWGS84), with WKT2, with TOWGS84', () => {
  const e = expected<{ count: number; mean_row: number; mean_col: number }>('rdnew-wkt1');
  for (const [file, op] of [
    ['rd_gdal', /^EPSG:4833 "Amersfoort to WGS 84 \(4\)", accuracy 1 m$/],
    ['rd_wkt2', /^EPSG:4833 "Amersfoort to WGS 84 \(4\)", accuracy 1 m$/],
    ['rd_towgs84', /^Helmert from the definition .*TOWGS84\[565\.417,50\.3319,465\.552,-0\.398957,0\.343988,-1\.8774,4\.0725\]/],
  ] as const) {
    it(`${file}: count and band means (row, column) equal ogr2ogr + exactextract`, async () => {
      const r = await run(join(CASES, `rdnew-wkt1/${file}.gpkg`), join(CASES, 'rdnew-wkt1/rowcol_wgs84.tif'), ['count', 'mean'], [1, 2]);
      const row = rowObject(r.columns, r.rows[0] ?? { id: '', fid: 0, values: [], error: 'none' });
      expect(row.error).toBeNull();
      expect(rel(row.r_b1_count, e.count)).toBeLessThan(1e-6);
      // one row is 111 m: 1e-6 rows is 0.1 mm
      expect(Math.abs(Number(row.r_b1_mean) - e.mean_row)).toBeLessThan(1e-6);
      expect(Math.abs(Number(row.r_b2_mean) - e.mean_col)).toBeLessThan(1e-6);
      expect(r.summary.crs?.[0]?.transformation).toMatch(op);
    }, 60_000);
  }
});

describe('case undefined-srs: srs_id 0, -1 and 99999 are taken as the raster CRS with a warning; a CRS contradicting the coordinates is never a silent 0', () => {
  const e = expected<{ undefined: { count: number; sum: number; files: string[] } }>('undefined-srs');
  for (const file of e.undefined.files) {
    it(`${file}: count ${e.undefined.count}, sum ${e.undefined.sum} (exactextract), and a warning`, async () => {
      const r = await run(join(CASES, 'undefined-srs', file), join(CASES, 'undefined-srs/utm33.tif'), ['count', 'sum']);
      const row = rowObject(r.columns, r.rows[0] ?? { id: '', fid: 0, values: [], error: 'none' });
      expect(row.error).toBeNull();
      expect(Math.abs(Number(row.r_count) - e.undefined.count)).toBeLessThan(1e-9);
      expect(Math.abs(Number(row.r_sum) - e.undefined.sum)).toBeLessThan(1e-9);
      expect(r.summary.warnings?.join('\n')).toMatch(/the layer has no CRS .*: its coordinates are taken as being in the CRS of r \(EPSG:32633 \(WGS 84 \/ UTM zone 33N\)\)/);
    }, 60_000);
  }
  it('declared_4326_but_metres: the feature fails with a reason naming the coordinate and the CRS (PROJ refuses latitude 5000015)', async () => {
    const r = await run(join(CASES, 'undefined-srs/declared_4326_but_metres.gpkg'), join(CASES, 'undefined-srs/utm33.tif'), ['count', 'sum']);
    expect(r.summary.failed).toBe(1);
    expect(r.rows[0]?.error).toBe('CRS_TRANSFORM_FAILED: feature "square" (fid 1): cannot reproject from the layer\'s CRS EPSG:4326 (WGS 84) to r\'s EPSG:32633 (WGS 84 / UTM zone 33N): PROJ cannot transform its vertex (500015, 5000015): outside the domain of either CRS or of the projection; is the layer\'s CRS right?');
  }, 60_000);
  it('a feature crossing the antimeridian with a vertex beyond the pole: the vertex is named (in the layer\'s CRS), never the point the engine adds where an edge crosses ±180 (there, latitude 86 + 10/2 = 91); the batch goes on', async () => {
    // PROJ refuses |latitude| > 90 in EPSG:4326; (179, 86) -> (-179, 96) crosses 180 half-way, at latitude 91
    const p = join(tmp, 'beyond-pole.gpkg');
    const ok: Polygon = { type: 'Polygon', coordinates: [[[15, 45], [15.001, 45], [15.001, 45.001], [15, 45]]] };
    writeGeoPackage(p, [{ name: 'l', srsId: 4326, columns: { id: 'TEXT' }, features: [
      { geometry: { type: 'Polygon', coordinates: [[[179, 86], [-179, 96], [-179, 80], [179, 80], [179, 86]]] }, properties: { id: 'pole' } },
      { geometry: ok, properties: { id: 'fine' } },
    ] }]);
    const r = await run(p, join(CASES, 'undefined-srs/utm33.tif'), ['count']);
    expect(r.rows.map((row) => row.error)).toEqual([
      'CRS_TRANSFORM_FAILED: feature "pole" (fid 1): cannot reproject from the layer\'s CRS EPSG:4326 (WGS 84) to r\'s EPSG:32633 (WGS 84 / UTM zone 33N): PROJ cannot transform its vertex (-179, 96): outside the domain of either CRS or of the projection; is the layer\'s CRS right?',
      null,
    ]);
    expect(r.summary.failed).toBe(1);
  }, 60_000);
});

describe('no silent zeros: >= 50 % of the computed features outside every raster', () => {
  const square = (lon: number, lat: number): Polygon => ({ type: 'Polygon', coordinates: [[[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01], [lon, lat]]] });
  const raster = join(CASES, 'nad27/rowcol_wgs84.tif');
  // the raster covers about -110.1..-109.9, 33.0..33.2 (400 x 0.0005 degrees)
  const write = (name: string, squares: [number, number][]): string => {
    const p = join(tmp, `${name}.gpkg`);
    writeGeoPackage(p, [{ name: 'l', srsId: 4326, columns: { id: 'TEXT' }, features: squares.map(([x, y], i) => ({ geometry: square(x, y), properties: { id: `f${i}` } })) }]);
    return p;
  };
  // the raster's extent (gdalinfo): (-110.15, 32.98) - (-109.95, 33.18); EPSG:4326's area of use (PROJ): the world
  it('2 of 3 outside, one with latitude and longitude swapped: the CRS may be wrong, and why (axis order; a latitude of -110)', async () => {
    const r = await run(write('swapped', [[-110.05, 33.08], [33.08, -110.05], [33.1, -80]]), raster, ['count']);
    expect(r.summary.warnings).toEqual(['2 of 3 features (66.7 %) do not intersect any raster: the layer\'s CRS (EPSG:4326 (WGS 84)) may be wrong: with longitude and latitude swapped (axis order) they would overlap raster "r"; in EPSG:4326 (WGS 84) they lie outside its area of use (longitude -180 to 180, latitude -90 to 90); their extent is (33.08, -110.05) - (33.11, -79.99) and raster "r"\'s (-110.15, 32.98) - (-109.95, 33.18), both in EPSG:4326 (WGS 84)']);
  }, 60_000);
  it('1 of 3 outside: no warning; all outside, elsewhere on the globe: 100 %, no feature overlaps the raster (the CRS looks right)', async () => {
    const some = await run(write('some', [[-110.05, 33.08], [-110.0, 33.1], [10, 10]]), raster, ['count']);
    expect(some.summary.warnings).toEqual([]);
    const all = await run(write('all', [[10, 10], [11, 11]]), raster, ['count']);
    expect(all.summary.warnings).toEqual(['2 of 2 features (100 %) do not intersect any raster: no feature overlaps raster "r": the features\' extent is (10, 10) - (11.01, 11.01) and raster "r"\'s (-110.15, 32.98) - (-109.95, 33.18), both in EPSG:4326 (WGS 84); the features lie within that CRS\'s area of use (longitude -180 to 180, latitude -90 to 90), so their CRS looks right: they lie where the raster has no cells']);
  }, 60_000);
});
