/**
 * Every input format gives the statistics of the GeoPackage it was converted from
 * (fixtures: test/fixtures/formats/, made by make.sh with ogr2ogr and DuckDB from
 * lux_cantons_2169.gpkg; nothing converted at test time). GeoJSONSeq is WGS 84 by
 * definition (GDAL reprojected it), so its statistics agree to 1e-6 relative, the others exactly.
 */
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStatsJob } from '../../../shared/engine/stats-job';
import { parseJobSpec } from '../../../shared/spec';
import { allowedFromUris } from '../../../shared/io/uri';
import { openFeatureSource } from '../../../shared/features/open';
import { MemorySource } from '../../../shared/features/source.memory';
import { crsFromEpsg } from '../../../shared/crs/epsg';
import type { Feature } from '../../../shared/geometry/types';
import { readFeatures } from '../../helpers/read-features';

const FX = join(import.meta.dirname, '../../fixtures');
const LUX = join(FX, 'reference/data/lux');
const RASTER = join(LUX, 'elev.cog.tif');
const dir = mkdtempSync(join(tmpdir(), 'zf-sources-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function statsOf(input: string, idColumn = 'ID_2'): Promise<Map<string, number[]>> {
  const spec = parseJobSpec({ input: { idColumn }, rasters: [{ uri: RASTER }], stats: ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'median', 'majority'] });
  const r = await runStatsJob({ input, spec, allowed: allowedFromUris([RASTER]) });
  expect(r.summary.failed).toBe(0);
  return new Map(r.rows.map((row) => [row.id, row.values.map(Number)]));
}

const collect = readFeatures;

describe('inputs in every format give the GeoPackage statistics', async () => {
  const reference = await statsOf(join(LUX, 'lux_cantons_2169.gpkg'));
  const cases: [string, string, number][] = [
    ['FlatGeobuf', 'formats/lux_cantons_2169.fgb', 0],
    ['GeoJSON (EPSG:2169 crs member)', 'formats/lux_cantons_2169.geojson', 0],
    ['GeoParquet (PROJJSON CRS)', 'formats/lux_cantons_2169.parquet', 0],
    ['Shapefile .shp + .prj (ESRI WKT without TOWGS84: identified as EPSG:2169, as GDAL does)', 'formats/shp/lux_cantons_2169.shp', 0],
    ['zipped Shapefile', 'formats/lux_cantons_2169.shp.zip', 0],
    ['GeoJSONSeq (WGS 84, reprojected by GDAL)', 'formats/lux_cantons_2169_seq.geojsonl', 1e-6],
  ];
  it('the reference has 12 features (ogrinfo)', () => {
    expect(reference.size).toBe(12);
  });
  for (const [name, file, tol] of cases) {
    it(name, async () => {
      const got = await statsOf(join(FX, file));
      expect([...got.keys()].sort()).toEqual([...reference.keys()].sort());
      for (const [id, values] of reference) {
        const v = got.get(id) ?? [];
        values.forEach((x, i) => {
          if (tol === 0) expect(v[i], `${id} column ${i}`).toBe(x);
          else expect(Math.abs((v[i] ?? NaN) - x), `${id} column ${i}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(x)));
        });
      }
    });
  }
  it('GeoJSON whose "crs" and "name" follow "features" (the same members moved: GDAL reads them there too, test/fixtures/geojson-crs)', async () => {
    const doc = JSON.parse(readFileSync(join(FX, 'formats/lux_cantons_2169.geojson'), 'utf8')) as Record<string, unknown>;
    const { crs, name, ...rest } = doc;
    const moved = join(dir, 'lux_cantons_crs_last.geojson');
    writeFileSync(moved, JSON.stringify({ ...rest, crs, name }));
    expect(Object.keys(JSON.parse(readFileSync(moved, 'utf8')) as object)).toEqual(['type', 'features', 'crs', 'name']);
    const got = await statsOf(moved);
    expect([...got.keys()].sort()).toEqual([...reference.keys()].sort());
    for (const [id, values] of reference) expect(got.get(id), id).toEqual(values);
  });
  it('attributes come through with their types (POP integer, NAME_2 text)', async () => {
    const fs = await collect(join(FX, 'formats/lux_cantons_2169.fgb'), { idColumn: 'ID_2', columns: ['NAME_2', 'POP'] });
    const clervaux = fs.find((f) => f.properties.NAME_2 === 'Clervaux');
    expect(clervaux?.id).toBe('1');
    expect(clervaux?.properties.POP).toBe(18081);
  });
});

describe('format detection and errors', () => {
  it('an unknown format names the formats read', async () => {
    const p = join(dir, 'table.xlsx');
    writeFileSync(p, 'not a vector file');
    await expect(openFeatureSource(p)).rejects.toThrow(/table\.xlsx is not in a format zonalflow reads; formats read: GeoPackage \(\.gpkg\), GeoParquet \(\.parquet\), FlatGeobuf \(\.fgb\), GeoJSON \(\.geojson\), GeoJSONSeq/);
  });
  it('a GeoPackage with another suffix is read as a GeoPackage (content decides)', async () => {
    const p = join(dir, 'cantons.json');
    writeFileSync(p, (await import('node:fs')).readFileSync(join(LUX, 'lux_cantons_2169.gpkg')));
    expect((await collect(p)).length).toBe(12);
  });
  it('GeoJSONSeq with RFC 8142 record separators, integer ids as fids, a missing id column named', async () => {
    const p = join(dir, 'rs.geojsons');
    const f = (id: number, x: number): string => JSON.stringify({ type: 'Feature', id, properties: { name: `f${id}` }, geometry: { type: 'Point', coordinates: [x, 1, 5] } });
    writeFileSync(p, `\x1e${f(7, 1)}\n\x1e${f(9, 2)}\n`);
    const fs = await collect(p, { idColumn: 'name' });
    expect(fs.map((x) => [x.fid, x.id, x.geometry])).toEqual([[7, 'f7', { type: 'Point', coordinates: [1, 1] }], [9, 'f9', { type: 'Point', coordinates: [2, 1] }]]);
    await expect(collect(p, { idColumn: 'nope' })).rejects.toThrow(/rs\.geojsons: layer "rs" has no column "nope" for the ids \(columns: name\)/);
  });
  it('a broken geometry is that feature\'s problem, not the file\'s', async () => {
    const p = join(dir, 'bad.geojson');
    writeFileSync(p, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: 'x' } }, { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [1, 2] } }] }));
    const fs = await collect(p);
    expect(fs[0]?.problem).toMatch(/unreadable geometry: a polygon must be an array/);
    expect(fs[1]?.geometry).toEqual({ type: 'Point', coordinates: [1, 2] });
  });
  it('the in-memory twin streams its features', async () => {
    const m = new MemorySource(crsFromEpsg(4326), [{ geometry: { type: 'Point', coordinates: [1, 2] }, properties: { k: 'a' } }]);
    const out: Feature[] = [];
    for await (const f of m.features({ idColumn: 'k' })) out.push(f);
    expect(out).toEqual([{ fid: 0, id: 'a', geometry: { type: 'Point', coordinates: [1, 2] }, properties: {} }]);
    expect(await m.count()).toBe(1);
  });
});
