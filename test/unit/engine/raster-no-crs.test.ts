/**
 * A raster with a geotransform and no CRS (no GeoKeys; gdalinfo prints no "Coordinate System is" section) is taken
 * as being in the features' CRS, with one warning line, as a layer without a CRS is taken as being in the raster's;
 * both without one compute as they are, with a warning. Expected values: exactextract 0.3.1-dev on the same files (it
 * ignores CRSs), test/fixtures/raster-no-crs/make.sh (GDAL 3.6.2).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv, runCli } from '../../cases/run-cli';
import { TimeseriesEngine } from '../../../shared/engine/timeseries';
import { openGeoPackage } from '../../../shared/features/gpkg';
import { allowedFromUris } from '../../../shared/io/uri';
import { parseJobSpec } from '../../../shared/spec';
import { runLocal } from '../../../shared/local/runner';

const fixtures = join(import.meta.dirname, '../../fixtures/raster-no-crs');
const dir = mkdtempSync(join(tmpdir(), 'zf-raster-no-crs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** exactextract's rows: name -> [count, sum, mean, min, max]. */
function expected(file: string): Map<string, number[]> {
  const [, ...rows] = parseCsv(readFileSync(join(fixtures, file), 'utf8'));
  return new Map(rows.map(([name, ...v]) => [name ?? '', v.map(Number)]));
}

async function stats(input: string): Promise<{ code: number; err: string; rows: Map<string, number[]> }> {
  const out = join(dir, `${input}.csv`);
  const r = await runCli(['stats', '--input', join(fixtures, input), '--raster', join(fixtures, 'nocrs.tif'), '--id-column', 'name', '--stats', 'count,sum,mean,min,max', '--out', out, '--quiet']);
  const [head, ...rows] = parseCsv(readFileSync(out, 'utf8'));
  expect(head).toEqual(['id', 'fid', 'nocrs_count', 'nocrs_sum', 'nocrs_mean', 'nocrs_min', 'nocrs_max', 'error']);
  return { code: r.code, err: r.err, rows: new Map(rows.map((c) => [c[0] ?? '', c.slice(2, 7).map(Number)])) };
}

function expectClose(got: Map<string, number[]>, want: Map<string, number[]>): void {
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [name, w] of want) {
    const g = got.get(name) ?? [];
    // exactextract sums float32 coverage fractions: 1e-6 relative
    w.forEach((v, k) => expect(Math.abs((g[k] ?? NaN) - v)).toBeLessThanOrEqual(1e-6 * Math.abs(v)));
  }
}

describe('a raster without a CRS', () => {
  it('features in EPSG:32631: computed in the features\' CRS, as exactextract, with one warning line', async () => {
    const r = await stats('features_32631.gpkg');
    expect(r.code).toBe(0);
    expectClose(r.rows, expected('expected_exactextract.csv'));
    const warnings = r.err.split('\n').filter((l) => l.startsWith('zonalflow: warning:'));
    expect(warnings).toEqual(['zonalflow: warning: the raster nocrs has no CRS (no GeoKeys; assign one with gdal_edit.py -a_srs EPSG:XXXX): its coordinates are taken as being in the layer\'s CRS, EPSG:32631 (WGS 84 / UTM zone 31N)']);
  });

  it('features that miss it: the outside warning names the layer\'s CRS, in which both extents are (not "no CRS")', async () => {
    // a newcomer's trial (2026-12-03): the second warning said both extents were "in no CRS (no GeoKeys)"
    const input = join(dir, 'far.geojson');
    writeFileSync(input, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32631' } }, features: [{ type: 'Feature', properties: { name: 'far' }, geometry: { type: 'Polygon', coordinates: [[[600000, 4650000], [600050, 4650000], [600050, 4650050], [600000, 4650000]]] } }] }));
    const out = join(dir, 'far.csv');
    const r = await runCli(['stats', '--input', input, '--raster', join(fixtures, 'nocrs.tif'), '--id-column', 'name', '--stats', 'count', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    const outside = r.err.split('\n').filter((l) => / do(es)? not intersect any raster/.test(l));
    expect(outside).toHaveLength(1);
    expect(outside[0]).toContain('both in EPSG:32631 (WGS 84 / UTM zone 31N)');
    expect(outside[0]).not.toContain('no CRS');
  });

  it('features in EPSG:4326 beside it: the outside warning blames the raster\'s missing CRS, its extent being no degrees', async () => {
    // a newcomer's trial (2026-12-03, finding D): the warning said the features' CRS looked right, they lay "where the
    // raster has no cells", for a raster whose extent (500000, 4650000) - (500080, 4650060) cannot be longitude/latitude
    const input = join(dir, 'lonlat.geojson');
    writeFileSync(input, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'lonlat' }, geometry: { type: 'Polygon', coordinates: [[[3, 42], [3.001, 42], [3.001, 42.001], [3, 42]]] } }] }));
    const r = await runCli(['stats', '--input', input, '--raster', join(fixtures, 'nocrs.tif'), '--id-column', 'name', '--stats', 'count', '--out', join(dir, 'lonlat.csv'), '--quiet']);
    expect(r.code).toBe(0);
    const outside = r.err.split('\n').filter((l) => / do(es)? not intersect any raster/.test(l));
    expect(outside).toEqual(['zonalflow: warning: 1 of 1 feature (100 %) does not intersect any raster: raster "nocrs"\'s extent (500000, 4650000) - (500080, 4650060) is not in EPSG:4326 (WGS 84)\'s range (longitude -180 to 180, latitude -90 to 90): the raster probably has another CRS; set it with gdal_edit.py -a_srs EPSG:XXXX; the features\' extent is (3, 42) - (3.001, 42.001) in EPSG:4326 (WGS 84)']);
  });

  it('features without a CRS either (GeoPackage srs_id 0): computed as they are, with one warning line', async () => {
    const r = await stats('features_nocrs.gpkg');
    expect(r.code).toBe(0);
    expectClose(r.rows, expected('expected_exactextract_nocrs.csv'));
    const warnings = r.err.split('\n').filter((l) => l.startsWith('zonalflow: warning:'));
    expect(warnings).toEqual(['zonalflow: warning: neither the layer ("Undefined geographic SRS" (srs_id 0, undefined geographic)) nor the raster nocrs (no GeoKeys; assign one with gdal_edit.py -a_srs EPSG:XXXX) has a CRS: coordinates are taken as they are, as if in one CRS']);
  });
});

describe('zonalflow local (the pipeline\'s Plan, Worker and Collect)', () => {
  it('computes as exactextract and the summary carries the warning', async () => {
    const out = mkdtempSync(join(dir, 'local-'));
    const r = await runLocal({ input: join(fixtures, 'features_32631.gpkg'), out, spec: { input: { idColumn: 'name' }, rasters: [{ name: 'nocrs', uri: join(fixtures, 'nocrs.tif') }], stats: ['count', 'sum', 'mean', 'min', 'max'], output: { formats: ['csv'] } } });
    expect(r.status).toBe('DONE');
    const [, ...rows] = parseCsv(readFileSync(join(out, 'results.csv'), 'utf8'));
    expectClose(new Map(rows.map((c) => [c[0] ?? '', c.slice(2, 7).map(Number)])), expected('expected_exactextract.csv'));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { warnings: string[] };
    expect(summary.warnings).toEqual(['the raster nocrs has no CRS (no GeoKeys; assign one with gdal_edit.py -a_srs EPSG:XXXX): its coordinates are taken as being in the layer\'s CRS, EPSG:32631 (WGS 84 / UTM zone 31N)']);
  }, 120_000);
});

describe('a time series whose scene assets have no CRS', () => {
  it('computes them in the layer\'s CRS, with one warning for the job', async () => {
    const href = join(fixtures, 'nocrs.tif');
    const spec = parseJobSpec({ input: { idColumn: 'name' }, stac: { api: 'http://127.0.0.1:9/', collections: ['c'], datetime: '2024-05-01/2024-05-31', assets: { b: 'b' } }, interval: 'scene', stats: ['max'] });
    const scenes = [
      { id: 's1', datetime: Date.parse('2024-05-03T10:00:00Z'), bbox: null, hrefs: { b: href } },
      { id: 's2', datetime: Date.parse('2024-05-08T10:00:00Z'), bbox: null, hrefs: { b: href } },
    ];
    const gpkg = openGeoPackage(join(fixtures, 'features_32631.gpkg'));
    try {
      const layer = gpkg.layer();
      const engine = new TimeseriesEngine(spec, scenes, layer.crs, { allowed: allowedFromUris([href]) });
      const { rows } = await engine.computeChunk([...layer.features({ idColumn: 'name', columns: [] })]);
      // one row per feature and scene; max is exactextract's (a cell's value does not depend on coverage weights)
      expect(rows.map((r) => [r.id, r.error, r.values[1]])).toEqual([['a', null, 44.5], ['a', null, 44.5], ['b', null, 7.5], ['b', null, 7.5]]);
      expect([...engine.warnings]).toEqual(['scene assets have no CRS (no GeoKeys; first: item s1): their coordinates are taken as being in the layer\'s CRS, EPSG:32631 (WGS 84 / UTM zone 31N)']);
    } finally {
      gpkg.close();
    }
  });
});
