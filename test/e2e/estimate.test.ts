/**
 * `zonalflow estimate` measured against a real `zonalflow local` run of the same input and spec:
 * the features, batches, raster range requests and objects written that the estimate predicts are
 * the counts the local run reports (summary.json, the objects under the job's output prefix). The estimate counts
 * each batch's requests as a cold Lambda environment makes them: the run starts every batch at once (a Map
 * concurrency of the batches' number), so each starts a sandbox of its own, cold (shared/local/sandbox-deps.ts).
 * A run whose batches share warm sandboxes reads fewer: from the first batch's header and tiles on, a later
 * batch on the same sandbox reads neither again.
 * A time series: the estimate runs Plan's STAC search against an API started here on 127.0.0.1 and counts every
 * batch's header and tile reads; the run's own counters (summary.json) and the server's count of the range
 * requests it answered must be the estimate's.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateJob } from '../../shared/estimate/estimate';
import { s3Puts } from '../../shared/estimate/model';
import { parseJobSpec } from '../../shared/spec';
import { LOCAL_ONLY, allowedFromUris, openSource } from '../../shared/io/uri';
import { CountingSource } from '../../shared/io/source.counting';
import { openRaster } from '../../shared/raster/cog';
import { runLocal } from '../../shared/local/runner';
import { writeGeoPackage } from '../helpers/gpkg-writer';
import { writeCog } from '../helpers/cog-writer';
import type { Position } from '../../shared/geometry/types';

const dir = mkdtempSync(join(tmpdir(), 'zf-estimate-'));

describe('estimate vs a local run', () => {
  it('reprojects the features into the raster CRS (the example: EPSG:2169 cantons over a WGS 84 COG)', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const spec = parseJobSpec({ rasters: [{ name: 'elev', uri: join(root, 'examples', 'elev.cog.tif') }], stats: ['mean'] });
    const { estimate, shape } = await estimateJob({ input: join(root, 'examples', 'lux_cantons_2169.gpkg'), spec, allowed: LOCAL_ONLY });
    expect(estimate.features).toBe(12);
    expect(shape.cells).toBeGreaterThan(0); // the cantons land on the raster
    expect(estimate.requests.rasterGets).toBeGreaterThanOrEqual(estimate.batches * 2); // a header and at least one tile range per batch
  }, 120_000);

  it('predicts the batches, features, raster requests and output objects the run makes', async () => {
    const raster = join(dir, 'r.tif');
    // 1024 x 1024 cells of 0.01 degree, 128-cell tiles: fields spread over many tiles
    writeCog(raster, { width: 1024, height: 1024, dtype: 'uint16', tileSize: 128, epsg: 4326, transform: [0, 10.24, 0.01, 0.01], compression: 'deflate', value: (r, c) => (r * 7 + c * 3) % 1000 });
    const sq = (x: number, y: number, s: number): Position[] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];
    const features = [];
    for (let i = 0; i < 60; i++) features.push({ geometry: { type: 'Polygon' as const, coordinates: [sq(0.3 + (i % 10) * 0.95, 0.4 + Math.floor(i / 10) * 1.6, 0.2 + (i % 3) * 0.05)] } });
    const input = join(dir, 'fields.gpkg');
    writeGeoPackage(input, [{ name: 'fields', srsId: 4326, features }]);
    const specJson = { rasters: [{ name: 'r', uri: raster }], stats: ['count', 'mean'], batching: { grid: 'h3', maxFeatures: 8 }, output: { formats: ['parquet', 'json'] } };
    const specFile = join(dir, 'job.json');
    writeFileSync(specFile, JSON.stringify(specJson));

    const { estimate, shape } = await estimateJob({ input, spec: parseJobSpec(specJson), allowed: LOCAL_ONLY });
    const run = await runLocal({ input, spec: specFile, out: join(dir, 'out'), mapConcurrency: estimate.batches });
    expect(run.status).toBe('DONE');
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as { features: { total: number }; batches: { total: number }; requests: number; bytesRead: number };
    expect(estimate.features).toBe(60);
    expect(summary.features.total).toBe(estimate.features);
    expect(summary.batches.total).toBe(estimate.batches);
    expect(estimate.batches).toBeGreaterThan(4);
    expect(summary.requests).toBe(estimate.requests.rasterGets);
    // one batch at a time on one sandbox: its later batches take the header and the tiles the earlier ones read
    await runLocal({ input, spec: specFile, out: join(dir, 'warm'), mapConcurrency: 1, lambdaThreads: 1 });
    const warm = JSON.parse(readFileSync(join(dir, 'warm', 'summary.json'), 'utf8')) as { requests: number; batches: { total: number } };
    expect(warm.batches.total).toBe(estimate.batches);
    expect(warm.requests).toBeLessThanOrEqual(estimate.requests.rasterGets - (estimate.batches - 1));
    // objects under the job's output prefix: Collect's and the workers' per-feature JSON
    const puts = s3Puts(shape);
    expect(run.files.length).toBe(puts.collect + shape.features);
  }, 120_000);
});

describe('estimate vs a local run: a raster masked by an alpha band', () => {
  // GDAL's RGBA file stored band by band (test/fixtures/alpha-band-separate: make.py, expected.json): its alpha band
  // (band 4) masks bands 1-3, so a Worker reading band 1 reads band 4's tiles too, and they lie over 16 KiB after band
  // 1's (the merge gap): requests of their own
  const fixture = join(import.meta.dirname, '..', 'fixtures', 'alpha-band-separate');
  const gdal = JSON.parse(readFileSync(join(fixture, 'expected.json'), 'utf8')) as { mask_flags: number[]; tiles: Record<string, [number, number][]> };

  it('counts the alpha band\'s tiles the Worker reads with band 1: requests and bytes equal the run\'s', async () => {
    // the premise, from GDAL: band 1's mask is the alpha band (GMF_ALPHA | GMF_PER_DATASET), band 4's first tile
    // starts more than 16 KiB after band 1's last tile ends
    expect(gdal.mask_flags).toEqual([6, 6, 6, 1]);
    const end1 = Math.max(...(gdal.tiles['1'] ?? []).map(([o, n]) => o + n));
    expect(Math.min(...(gdal.tiles['4'] ?? []).map(([o]) => o)) - end1).toBeGreaterThan(16 * 1024);
    const raster = join(fixture, 'rgba_bands.tif');
    // 0.01 degree cells from (0, 0) to (1.28, 1.28), 32-cell tiles: squares over the opaque and the transparent cells
    const sq = (x: number, y: number, s: number): Position[] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];
    const features = [];
    for (let i = 0; i < 24; i++) features.push({ geometry: { type: 'Polygon' as const, coordinates: [sq(0.05 + (i % 6) * 0.2, 0.07 + Math.floor(i / 6) * 0.3, 0.06 + (i % 4) * 0.02)] } });
    const adir = mkdtempSync(join(tmpdir(), 'zf-estimate-alpha-'));
    const input = join(adir, 'fields.gpkg');
    writeGeoPackage(input, [{ name: 'fields', srsId: 4326, features }]);
    const specJson = { rasters: [{ name: 'rgb', uri: raster, bands: [1] }], stats: ['count', 'mean'], batching: { grid: 'h3', maxFeatures: 4 }, output: { formats: ['parquet'] } };
    const specFile = join(adir, 'job.json');
    writeFileSync(specFile, JSON.stringify(specJson));

    const { estimate } = await estimateJob({ input, spec: parseJobSpec(specJson), allowed: LOCAL_ONLY });
    expect(estimate.batches).toBeGreaterThan(3);
    const run = await runLocal({ input, spec: specFile, out: join(adir, 'out'), mapConcurrency: estimate.batches });
    expect(run.status).toBe('DONE');
    const summary = JSON.parse(readFileSync(join(adir, 'out', 'summary.json'), 'utf8')) as { features: { total: number }; batches: { total: number }; requests: number; bytesRead: number };
    expect(summary.batches.total).toBe(estimate.batches);
    expect(summary.requests).toBe(estimate.requests.rasterGets);
    // the run's bytes: each batch's header read (as a cold Worker opens the raster) and the tiles
    const counter = new CountingSource(openSource(raster, { allowed: LOCAL_ONLY }));
    await openRaster(counter);
    await counter.close();
    expect(summary.bytesRead).toBe(estimate.rasterBytes + estimate.batches * counter.bytes);
  }, 120_000);
});

describe('estimate vs a local run: a time series from a STAC API on 127.0.0.1', () => {
  const tsDir = mkdtempSync(join(tmpdir(), 'zf-estimate-ts-'));
  const UTM = '+proj=utm +zone=31 +datum=WGS84 +units=m +no_defs';
  const toLonLat = proj4(UTM, 'EPSG:4326');
  const X0 = 600000;
  const Y0 = 5000000;
  // two tiles of one grid: A at (X0, Y0), B 1,500 m east and 500 m south; 10 m red (64-cell tiles) and nir (32-cell
  // tiles; B's with a per-dataset mask, whose tiles are read too), a 20 m SCL (16-cell tiles)
  const tiles = { A: [X0, Y0], B: [X0 + 1500, Y0 - 500] } as const;
  const N = 200;
  // items: date 0 A and B, date 1 A and B, date 2 A only; one more item on date 2 without the `scl` asset (skipped);
  // one after the searched range (dropped whatever the server answers)
  const dates = ['2024-05-03T10:30:00Z', '2024-05-13T10:30:00Z', '2024-05-23T10:30:00Z'];
  const scenes: { id: string; tile: 'A' | 'B'; d: number; noScl?: boolean; datetime?: string }[] = [
    { id: 'S2_A_0', tile: 'A', d: 0 }, { id: 'S2_B_0', tile: 'B', d: 0 },
    { id: 'S2_A_1', tile: 'A', d: 1 }, { id: 'S2_B_1', tile: 'B', d: 1 },
    { id: 'S2_A_2', tile: 'A', d: 2 }, { id: 'S2_B_2', tile: 'B', d: 2, noScl: true },
    { id: 'S2_A_3', tile: 'A', d: 2, datetime: '2024-06-02T10:30:00Z' },
  ];
  let server: Server;
  let api = '';
  let searches = 0;
  let rangeGets = 0;

  const lonLat = (x: number, y: number): [number, number] => toLonLat.forward<[number, number]>([x, y]);
  const bboxOf = (x0: number, y0: number, size: number): number[] => {
    const corners = [lonLat(x0, y0), lonLat(x0 + size, y0), lonLat(x0 + size, y0 - size), lonLat(x0, y0 - size)];
    return [Math.min(...corners.map((c) => c[0])), Math.min(...corners.map((c) => c[1])), Math.max(...corners.map((c) => c[0])), Math.max(...corners.map((c) => c[1]))];
  };

  beforeAll(async () => {
    for (const sc of scenes) {
      const [x0, y0] = tiles[sc.tile];
      const k = sc.d + (sc.tile === 'B' ? 7 : 0);
      // values that deflate little, so each file is larger than the 16 kB a header read takes
      const noise = (r: number, c: number): number => (Math.imul(r * 1000 + c + k * 77777, 2654435761) >>> 20) % 1000;
      writeCog(join(tsDir, `${sc.id}_red.tif`), { width: N, height: N, dtype: 'uint16', tileSize: 64, epsg: 32631, transform: [x0, y0, 10, 10], nodata: 0, value: (r, c) => 200 + (noise(r, c) % 300) });
      writeCog(join(tsDir, `${sc.id}_nir.tif`), { width: N, height: N, dtype: 'uint16', tileSize: 32, epsg: 32631, transform: [x0, y0, 10, 10], nodata: 0, value: (r, c) => 1500 + noise(c, r), ...(sc.tile === 'B' ? { mask: (r: number, c: number) => r + c > 40 } : {}) });
      writeCog(join(tsDir, `${sc.id}_scl.tif`), { width: N / 2, height: N / 2, dtype: 'uint8', tileSize: 16, epsg: 32631, transform: [x0, y0, 20, 20], nodata: 0, value: (r, c) => (sc.d === 1 && r < 30 && c < 30 ? 9 : 4) });
    }
    const items = (): Record<string, unknown>[] => scenes.map((sc) => {
      const [x0, y0] = tiles[sc.tile];
      const assets: Record<string, { href: string }> = { red: { href: `${api}/cogs/${sc.id}_red.tif` }, nir: { href: `${api}/cogs/${sc.id}_nir.tif` } };
      if (!sc.noScl) assets.scl = { href: `${api}/cogs/${sc.id}_scl.tif` };
      return { type: 'Feature', stac_version: '1.0.0', id: sc.id, bbox: bboxOf(x0, y0, N * 10), geometry: null, properties: { datetime: sc.datetime ?? dates[sc.d] }, assets };
    });
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST' && url.pathname === '/search') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          searches++;
          const q = JSON.parse(body) as { token?: number };
          const start = q.token ?? 0;
          const all = items();
          // three items a page: the estimate follows the `next` links as Plan does
          const links = start + 3 < all.length ? [{ rel: 'next', href: `${api}/search`, method: 'POST', body: { token: start + 3 }, merge: true }] : [];
          res.writeHead(200, { 'content-type': 'application/geo+json' }).end(JSON.stringify({ type: 'FeatureCollection', features: all.slice(start, start + 3), links }));
        });
        return;
      }
      if (url.pathname.startsWith('/cogs/')) {
        const bytes = readFileSync(join(tsDir, url.pathname.slice(6)));
        const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
        if (req.method === 'GET' && m) rangeGets++;
        const a = Number(m?.[1] ?? 0);
        const b = Math.min(Number(m?.[2] ?? bytes.length - 1), bytes.length - 1);
        res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${bytes.length}` }).end(req.method === 'HEAD' ? undefined : bytes.subarray(a, b + 1));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** Squares in UTM (m from (X0, Y0): x east, y south, size), in lon/lat: over A only, B only, both, and one far from every scene. */
  const squares: [number, number, number][] = [
    [100, 100, 150], [400, 250, 80], [900, 150, 300], [1200, 900, 120], [300, 1500, 200], [1700, 1200, 160],
    [1600, 600, 90], [2300, 800, 250], [2900, 1400, 120], [3100, 2200, 200], [1900, 2100, 60], [700, 1850, 100],
    [1550, 1550, 300], [2600, 600, 50],
  ];
  function input(): string {
    const ring = (x: number, y: number, s: number): [number, number][] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]].map(([a, b]) => lonLat(X0 + (a ?? 0) + 0.001, Y0 - (b ?? 0) - 0.001));
    const features = squares.map(([x, y, s], i) => ({ geometry: { type: 'Polygon' as const, coordinates: [ring(x, y, s)] }, properties: { name: `f${i}` } }));
    // 30 km east of both tiles: no scene touches it (count 0, nodata_count 0 on every date)
    features.push({ geometry: { type: 'Polygon' as const, coordinates: [ring(30000, 500, 100)] }, properties: { name: 'far' } });
    const path = join(tsDir, 'fields.gpkg');
    writeGeoPackage(path, [{ name: 'fields', srsId: 4326, columns: { name: 'TEXT' }, features }]);
    return path;
  }
  const specJson = (): Record<string, unknown> => ({
    input: { idColumn: 'name' },
    stac: { api, collections: ['sentinel-2-l2a'], datetime: '2024-05-01/2024-05-31', assets: { red: 'red', nir: 'nir', scl: 'scl' } },
    mask: { nodata: true, classes: { band: 'scl', exclude: [3, 8, 9, 10, 11], dilate: 1 } },
    bands: { ndvi: '(nir - red) / (nir + red)' },
    outputs: ['ndvi'],
    interval: 'scene',
    coverage: 'center',
    stats: ['mean', 'count'],
    batching: { grid: 'h3', maxFeatures: 3 },
    output: { formats: ['parquet'] },
  });

  it('refuses the loopback API unless its host is allowed, before any request (the allow-list Plan uses)', async () => {
    const before = searches;
    await expect(estimateJob({ input: input(), spec: parseJobSpec(specJson()), allowed: allowedFromUris([api]) })).rejects.toThrow(/STAC API/);
    expect(searches).toBe(before);
  }, 60_000);

  it('counts the scenes, the headers and the tile ranges every batch reads as the run does on cold sandboxes', async () => {
    const gpkg = input();
    const specFile = join(tsDir, 'job.json');
    writeFileSync(specFile, JSON.stringify(specJson()));
    const searchesBefore = searches;
    const getsBefore = rangeGets;
    const r = await estimateJob({ input: gpkg, spec: parseJobSpec(specJson()), allowed: allowedFromUris([api], ['127.0.0.1']) });
    // the search: 7 items on 3 pages (3 a page); S2_B_2 lacks `scl`, S2_A_3 is after the range: 5 scenes, 3 datetimes
    expect(searches - searchesBefore).toBe(3);
    expect(r.timeseries).toMatchObject({ scenes: 5, acquisitions: 3, searchPages: 3, itemsSkipped: 1, featuresUntouched: 1 });
    // the estimate read headers only: its requests to the server are far fewer than the run's
    const estimateGets = rangeGets - getsBefore;
    expect(r.estimate.features).toBe(15);
    expect(r.estimate.batches).toBeGreaterThanOrEqual(5);
    expect(r.timeseries?.headerRequests).toBeGreaterThan(0);
    expect(r.estimate.requests.rasterGets).toBeGreaterThan(r.timeseries?.headerRequests ?? 0);

    const out = join(tsDir, 'out');
    const getsRun = rangeGets;
    const run = await runLocal({ input: gpkg, spec: specFile, out, mapConcurrency: r.estimate.batches, allowHosts: ['127.0.0.1'] });
    expect(run.status).toBe('DONE');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { features: { total: number }; batches: { total: number }; requests: number; bytesRead: number };
    expect(summary.features.total).toBe(15);
    expect(summary.batches.total).toBe(r.estimate.batches);
    // the run's own counters, and the server's count of the range requests it answered during the run
    expect(rangeGets - getsRun).toBe(summary.requests);
    expect(summary.requests).toBe(r.estimate.requests.rasterGets);
    expect(summary.bytesRead).toBe(r.estimate.rasterBytes + (r.timeseries?.headerBytes ?? 0));
    expect(estimateGets).toBeLessThan(summary.requests);
    // the estimate read each asset's header once, in one request (its IFD and tile arrays lie in the first 16 kB):
    // 5 scenes x 3 assets, every scene touching some feature
    expect(estimateGets).toBe(5 * 3);
    // a time series' Worker keeps no header or tile between batches (a new engine a batch, no kept headers or warm
    // tiles): one batch at a time on one warm sandbox reads as much
    await runLocal({ input: gpkg, spec: specFile, out: join(tsDir, 'warm'), mapConcurrency: 1, lambdaThreads: 1, allowHosts: ['127.0.0.1'] });
    const warm = JSON.parse(readFileSync(join(tsDir, 'warm', 'summary.json'), 'utf8')) as { requests: number };
    expect(warm.requests).toBe(summary.requests);
  }, 180_000);
});

describe('estimate vs a local run: a weights raster and band math', () => {
  // a cold Worker prefetches, per raster it computes (the job's, then each band-math output's sources), its windows'
  // tiles and then the weights raster's (ZonalEngine.prefetchReads); a tile the batch fetched already is not fetched again
  it('counts the weights raster\'s tiles (a 2x finer grid, its own tiling) and band math\'s sources as the run reads them', async () => {
    const wdir = mkdtempSync(join(tmpdir(), 'zf-estimate-weights-'));
    const values = join(wdir, 'v.tif');
    const weights = join(wdir, 'w.tif');
    writeCog(values, { width: 512, height: 512, dtype: 'uint16', tileSize: 128, epsg: 4326, transform: [0, 5.12, 0.01, 0.01], compression: 'deflate', value: (r, c) => (r * 7 + c * 3) % 1000 });
    writeCog(weights, { width: 1024, height: 1024, dtype: 'float32', tileSize: 64, epsg: 4326, transform: [0, 5.12, 0.005, 0.005], compression: 'deflate', value: (r, c) => 1 + ((r + 2 * c) % 7) });
    const sq = (x: number, y: number, s: number): Position[] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];
    const features = [];
    for (let i = 0; i < 30; i++) features.push({ geometry: { type: 'Polygon' as const, coordinates: [sq(0.2 + (i % 6) * 0.8, 0.3 + Math.floor(i / 6) * 0.9, 0.15 + (i % 3) * 0.05)] } });
    const input = join(wdir, 'fields.gpkg');
    writeGeoPackage(input, [{ name: 'fields', srsId: 4326, features }]);
    const specJson = { rasters: [{ name: 'v', uri: values }], bands: { v2: 'v * 2' }, weights: { uri: weights }, stats: ['count', 'weighted_mean'], batching: { grid: 'h3', maxFeatures: 4 }, output: { formats: ['parquet'] } };
    const specFile = join(wdir, 'job.json');
    writeFileSync(specFile, JSON.stringify(specJson));

    const { estimate } = await estimateJob({ input, spec: parseJobSpec(specJson), allowed: LOCAL_ONLY });
    expect(estimate.batches).toBeGreaterThan(3);
    const run = await runLocal({ input, spec: specFile, out: join(wdir, 'out'), mapConcurrency: estimate.batches });
    expect(run.status).toBe('DONE');
    const summary = JSON.parse(readFileSync(join(wdir, 'out', 'summary.json'), 'utf8')) as { batches: { total: number }; requests: number; bytesRead: number };
    expect(summary.batches.total).toBe(estimate.batches);
    expect(summary.requests).toBe(estimate.requests.rasterGets);
    // the run's bytes: each batch's headers (the values and the weights raster, as a cold Worker opens them) and the tiles
    let headers = 0;
    for (const uri of [values, weights]) {
      const counter = new CountingSource(openSource(uri, { allowed: LOCAL_ONLY }));
      await openRaster(counter);
      await counter.close();
      headers += counter.bytes;
    }
    expect(summary.bytesRead).toBe(estimate.rasterBytes + estimate.batches * headers);
  }, 120_000);
});
