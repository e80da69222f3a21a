/**
 * Resource bounds whatever the spec or a header says (issue 12; cases declared-size and
 * spec-memory of ../shared/cases): a feature's work follows the cells it needs with a per-feature
 * limit; `zonalflow stats` refuses up front what it could not hold (histogram bins x features,
 * intervals x features) naming the setting; spec files are read with a byte limit. Expected
 * values: the sparse raster has no nodata, so GDAL reads its cells as 0 (count 4, mean 0 for a 2 x 2
 * square); the fixture raster holds 64 row + column (arithmetic).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { runStatsJob } from '../../shared/engine/stats-job';
import { openFeatureSource } from '../../shared/features/open';
import { parseJobSpec } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';
import { MAX_SPEC_BYTES, readSpecFile } from '../../shared/spec-file';
import { LimitError, SpecError } from '../../shared/errors';
import { writeCog } from '../helpers/cog-writer';
import { writeGeoPackage } from '../helpers/gpkg-writer';

const FIX = join(import.meta.dirname, '../fixtures/cases/redirect-loopback');
const TILES = join(FIX, 'tiles.gpkg');
const dir = mkdtempSync(join(tmpdir(), 'zf-limits-'));
const square = (x0: number, y0: number, x1: number, y1: number): [number, number][] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];

describe('declared size: work follows the cells a feature needs (case declared-size)', () => {
  // 65,536 x 65,536 cells declared, every 512 x 512 tile sparse: a few hundred KB of tile tables
  const sparse = join(dir, 'sparse_65536.tif');
  writeCog(sparse, { width: 65536, height: 65536, dtype: 'uint16', value: () => 0, tileSize: 512, compression: 'none', epsg: 3857, transform: [0, 64, 1, 1], sparse: () => true });
  const gpkg = join(dir, 'cover.gpkg');
  writeGeoPackage(gpkg, [{ name: 't', srsId: 3857, columns: { name: 'TEXT' }, features: [
    { geometry: { type: 'Polygon', coordinates: [square(0, 64 - 65536, 65536, 64)] }, properties: { name: 'cover' } },
    { geometry: { type: 'Polygon', coordinates: [square(7, 48, 9, 50)] }, properties: { name: 'small' } },
  ] }]);
  it('a feature over more cells than limits.maxCellsPerFeature fails alone with the limit named; the others are computed', async () => {
    const spec = parseJobSpec({ input: { idColumn: 'name' }, rasters: [{ uri: sparse }], stats: ['count', 'mean'] });
    const r = await runStatsJob({ input: gpkg, spec, allowed: LOCAL_ONLY });
    expect(r.summary).toMatchObject({ done: 1, failed: 1 });
    expect(r.rows[0]?.error).toBe('LIMIT_EXCEEDED: feature "cover" (fid 1): its window on sparse_65536 is 65536 x 65536 = 4294967296 cells, over the limit of 268435456 cells per feature (limits.maxCellsPerFeature)');
    expect(r.rows[1]?.values).toEqual([4, 0]);
  });
  it('the limit is a spec setting', async () => {
    const spec = parseJobSpec({ input: { idColumn: 'name' }, rasters: [{ uri: join(FIX, 'base.tif') }], stats: ['count', 'mean'], limits: { maxCellsPerFeature: 1024 } });
    const whole = join(dir, 'whole.gpkg');
    writeGeoPackage(whole, [{ name: 't', srsId: 3857, columns: { name: 'TEXT' }, features: [
      { geometry: { type: 'Polygon', coordinates: [square(0, 0, 64, 64)] }, properties: { name: 'all' } },
      { geometry: { type: 'Polygon', coordinates: [square(7, 55, 9, 57)] }, properties: { name: 't00' } },
    ] }]);
    const r = await runStatsJob({ input: whole, spec, allowed: LOCAL_ONLY });
    expect(r.rows[0]?.error).toMatch(/LIMIT_EXCEEDED: feature "all" \(fid 1\): its window on base is 64 x 64 = 4096 cells, over the limit of 1024 cells per feature/);
    expect(r.rows[1]?.values).toEqual([4, 64 * 7.5 + 7.5]);
  });
});

describe('a header declaring one huge sparse tile (case declared-size, huge_1e9.tif copied from ../shared/cases)', () => {
  const CASE = join(import.meta.dirname, '../fixtures/cases/declared-size');
  it('999,999,744^2 cells in one sparse tile: small features are computed (sparse reads as 0, as GDAL), a covering one fails on the limit', async () => {
    const spec = parseJobSpec({ rasters: [{ uri: join(CASE, 'huge_1e9.tif') }], stats: ['count', 'mean'] });
    const r = await runStatsJob({ input: join(CASE, 'tiles.gpkg'), spec, allowed: LOCAL_ONLY });
    expect(r.summary).toMatchObject({ features: 16, done: 16, failed: 0 });
    for (const row of r.rows) expect(row.values).toEqual([4, 0]); // 2 x 2 cells each, no nodata: GDAL reads sparse as 0
    const cover = join(dir, 'cover_1e9.gpkg');
    writeGeoPackage(cover, [{ name: 't', srsId: 3857, columns: { name: 'TEXT' }, features: [
      { geometry: { type: 'Polygon', coordinates: [square(0, 64 - 999_999_744, 999_999_744, 64)] }, properties: { name: 'cover' } },
    ] }]);
    const c = await runStatsJob({ input: cover, spec: parseJobSpec({ ...spec, input: { idColumn: 'name' } }), allowed: LOCAL_ONLY });
    expect(c.rows[0]?.error).toMatch(/^LIMIT_EXCEEDED: feature "cover" \(fid 1\): its window on huge_1e9 is 999999744 x 999999744 = .* cells, over the limit of 268435456 cells per feature \(limits.maxCellsPerFeature\)$/);
  });
});

describe('memory bounded whatever the spec says (case spec-memory)', () => {
  // 10,000 bins over a 100,000-count limit: 16 features are 160,000 counts
  const histogramSpec = (): ReturnType<typeof parseJobSpec> => parseJobSpec({ input: { idColumn: 'name' }, rasters: [{ uri: join(FIX, 'base.tif') }], stats: ['count', 'histogram'], histogram: { bins: 10_000 }, limits: { maxHistogramCounts: 100_000 } });
  /** The job on `input` is refused with `message`; under the default limit the same job computes the 16 tiles. */
  async function refusedThenComputed(input: string, message: string): Promise<void> {
    const spec = histogramSpec();
    const err = await runStatsJob({ input, spec, allowed: LOCAL_ONLY }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitError);
    expect((err as Error).message).toBe(message);
    const ok = await runStatsJob({ input, spec: parseJobSpec({ ...spec, limits: {} }), allowed: LOCAL_ONLY });
    expect(ok.summary.done).toBe(16);
  }
  it('histogram bins x features over limits.maxHistogramCounts is refused up front with both figures', async () => {
    await refusedThenComputed(TILES, '16 features x 10000 histogram bins x 1 histogram column(s) = 160000 counts held in memory, over limits.maxHistogramCounts (100000); lower histogram.bins or split the input');
  });
  it('the same for an input that states no feature count (GeoJSON): refused as it is read, before any feature is computed', async () => {
    // the 16 tiles as a GeoJSON FeatureCollection (a format whose count is not known before it is read)
    const src = await openFeatureSource(TILES);
    const features: unknown[] = [];
    for await (const f of src.features({ idColumn: 'name' })) features.push({ type: 'Feature', properties: { name: f.id }, geometry: f.geometry });
    src.close();
    const geojson = join(dir, 'tiles.geojson');
    writeFileSync(geojson, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${src.crs.epsg ?? 0}` } }, features }));
    await refusedThenComputed(geojson, 'at least 16 features x 10000 histogram bins x 1 histogram column(s) = 160000 counts held in memory, over limits.maxHistogramCounts (100000); lower histogram.bins or split the input');
  });
  it('one-second intervals: features x intervals over limits.maxTimeseriesRows is refused before any request', async () => {
    const spec = parseJobSpec({ input: { idColumn: 'name' }, stac: { api: 'http://127.0.0.1:1/stac', collections: ['c'], datetime: '2024-05-03T00:00:00Z/2024-05-04T00:00:00Z', assets: { red: 'b1', nir: 'b2' } }, bands: { ndvi: '(nir - red) / (nir + red)' }, stats: ['count', 'mean'], interval: 'PT1S' });
    const err = await runStatsJob({ input: TILES, spec, allowed: { schemes: ['http'], s3Buckets: [], httpsHosts: [], allowLoopback: true } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitError);
    expect((err as Error).message).toMatch(/^16 features x 86400 intervals \("interval": "PT1S"\) = 1382400 rows held in memory, over limits\.maxTimeseriesRows \(1000000\)/);
  });
  it('a spec file over the byte limit is refused before it is read whole (--spec /dev/zero)', async () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, `{"stats":["count"],"pad":"${'x'.repeat(MAX_SPEC_BYTES)}"}`);
    expect(() => readSpecFile(big)).toThrow(SpecError);
    expect(() => readSpecFile(big)).toThrow(`the job spec ${big} is larger than ${MAX_SPEC_BYTES} bytes`);
    writeFileSync(join(dir, 'small.json'), '{"stats":["count"]}');
    expect(readSpecFile(join(dir, 'small.json')).value).toEqual({ stats: ['count'] });
    if (existsSync('/dev/zero')) {
      let err = '';
      const sink = new Writable({ write(c: Buffer, _e, cb) { err += c.toString(); cb(); } });
      const code = await main(['stats', '--input', TILES, '--spec', '/dev/zero', '--out', join(dir, 'z.csv'), '--quiet'], { stdout: sink, stderr: sink });
      expect(code).not.toBe(0);
      expect(err).toMatch(/the job spec \/dev\/zero is larger than 4194304 bytes/);
    }
  });
});
