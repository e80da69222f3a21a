/**
 * Time series from a STAC API started here on 127.0.0.1 (POST /search with
 * paging) over synthetic multi-date COGs: 10 m red and nir, a 20 m SCL with
 * clouds. NDVI statistics are recomputed independently in the test from the
 * pixel arrays; a cloud-covered date gives count 0.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import proj4 from 'proj4';
import { writeCog } from '../helpers/cog-writer';
import { writeGeoPackage } from '../helpers/gpkg-writer';
import { runStatsJob } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { rowObject } from '../../shared/output/table';
import { shDocument } from '../../shared/timeseries/sentinelhub';
import type { Position } from '../../shared/geometry/types';

const dir = mkdtempSync(join(tmpdir(), 'zf-stac-'));
const UTM = '+proj=utm +zone=31 +datum=WGS84 +units=m +no_defs';
const X0 = 600000;
const Y0 = 5000000;
const N = 100; // 10 m cells; the SCL has 50 x 50 cells of 20 m
const dates = ['2024-05-03T10:30:00Z', '2024-05-13T10:30:00Z', '2024-05-23T10:30:00Z'];
const red = (d: number, r: number, c: number): number => 200 + ((r * 3 + c * 5 + d * 17) % 300);
const nir = (d: number, r: number, c: number): number => 1500 + ((r * 7 + c * 11 + d * 13) % 1200);
/** SCL: date 0 clear (4), date 1 all cloud (9), date 2 cloud shadow (3) on the 20 m cells 10..14 x 10..14, else vegetation. */
const scl = (d: number, r: number, c: number): number => (d === 1 ? 9 : d === 2 && r >= 10 && r < 15 && c >= 10 && c < 15 ? 3 : 4);
let server: Server;
let api = '';
let searches = 0;

beforeAll(async () => {
  for (let d = 0; d < 3; d++) {
    writeCog(join(dir, `red${d}.tif`), { width: N, height: N, dtype: 'uint16', tileSize: 64, epsg: 32631, transform: [X0, Y0, 10, 10], nodata: 0, value: (r, c) => red(d, r, c) });
    writeCog(join(dir, `nir${d}.tif`), { width: N, height: N, dtype: 'uint16', tileSize: 64, epsg: 32631, transform: [X0, Y0, 10, 10], nodata: 0, value: (r, c) => nir(d, r, c) });
    writeCog(join(dir, `scl${d}.tif`), { width: N / 2, height: N / 2, dtype: 'uint8', tileSize: 64, epsg: 32631, transform: [X0, Y0, 20, 20], nodata: 0, value: (r, c) => scl(d, r, c) });
  }
  const items = (): Record<string, unknown>[] => dates.map((dt, d) => ({
    type: 'Feature', stac_version: '1.0.0', id: `S2_T31_${d}`, bbox: [4.2, 45.0, 4.4, 45.2],
    properties: { datetime: dt, 'eo:cloud_cover': d === 1 ? 100 : 5 },
    assets: { red: { href: `${api}/cogs/red${d}.tif` }, nir: { href: `${api}/cogs/nir${d}.tif` }, scl: { href: `${api}/cogs/scl${d}.tif` }, thumbnail: { href: `${api}/x.jpg` } },
  }));
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/search') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        searches++;
        const q = JSON.parse(body) as { collections: string[]; datetime: string; intersects?: unknown; token?: number };
        expect(q.collections).toEqual(['sentinel-2-l2a']);
        expect(q.intersects).toBeDefined();
        const start = q.token ?? 0;
        const all = items();
        const page = all.slice(start, start + 2);
        const links = start + 2 < all.length ? [{ rel: 'next', href: `${api}/search`, method: 'POST', body: { token: start + 2 }, merge: true }] : [];
        res.writeHead(200, { 'content-type': 'application/geo+json' }).end(JSON.stringify({ type: 'FeatureCollection', features: page, links }));
      });
      return;
    }
    if (url.pathname.startsWith('/cogs/')) {
      const bytes = readFileSync(join(dir, url.pathname.slice(6)));
      const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
      const a = Number(m?.[1] ?? 0);
      const b = Math.min(Number(m?.[2] ?? bytes.length - 1), bytes.length - 1);
      res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${bytes.length}` }).end(bytes.subarray(a, b + 1));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Two fields in lon/lat, squares in UTM (so the expected cells are easy to list). */
const fields: [string, number, number, number, number][] = [['north', 100, 100, 400, 300], ['cloudy-corner', 150, 150, 350, 350]];
function gpkg(): string {
  const path = join(dir, 'fields.gpkg');
  writeGeoPackage(path, [{
    name: 'fields', srsId: 4326, columns: { name: 'TEXT' },
    features: fields.map((f) => ({ geometry: { type: 'Polygon' as const, coordinates: [fieldRing(f)] }, properties: { name: f[0] } })),
  }]);
  return path;
}

/** A field's ring: pixel offsets (m) from the top-left corner, as a UTM square, then to lon/lat. */
function fieldRing([, c0, r0, c1, r1]: [string, number, number, number, number]): Position[] {
  const toLonLat = proj4(UTM, 'EPSG:4326');
  return [[c0, r0], [c1, r0], [c1, r1], [c0, r1], [c0, r0]].map(([x, y]) => toLonLat.forward<Position>([X0 + (x ?? 0) + 0.001, Y0 - (y ?? 0) - 0.001]));
}

/** Independent NDVI statistics: cells whose centre lies in the field (10 m grid), SCL 3/8/9/10/11 excluded after a `dilate`-cell growth on the 10 m grid. */
function expected(field: [string, number, number, number, number], d: number, dilate: number): { count: number; nodata: number; mean: number | null; median: number | null } {
  const [, c0, r0, c1, r1] = field;
  const excluded = (r: number, c: number): boolean => r >= 0 && c >= 0 && r < N && c < N && [3, 8, 9, 10, 11].includes(scl(d, r >> 1, c >> 1));
  const values: number[] = [];
  let nodata = 0;
  for (let r = 0; r < N; r++) {
    for (let c = 0; c < N; c++) {
      const cx = c * 10 + 5;
      const cy = r * 10 + 5;
      if (!(cx > c0 && cx < c1 && cy > r0 && cy < r1)) continue;
      let masked = false;
      for (let dr = -dilate; dr <= dilate && !masked; dr++) for (let dc = -dilate; dc <= dilate && !masked; dc++) masked = excluded(r + dr, c + dc);
      if (masked) {
        nodata++;
        continue;
      }
      values.push((nir(d, r, c) - red(d, r, c)) / (nir(d, r, c) + red(d, r, c)));
    }
  }
  values.sort((a, b) => a - b);
  const m = values.length >> 1;
  return {
    count: values.length,
    nodata,
    mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
    median: values.length ? (values.length % 2 ? (values[m] as number) : ((values[m - 1] as number) + (values[m] as number)) / 2) : null,
  };
}

const baseSpec = (): Record<string, unknown> => ({
  input: { idColumn: 'name' },
  stac: { api, collections: ['sentinel-2-l2a'], datetime: '2024-05-01/2024-05-31', query: { 'eo:cloud_cover': { lt: 100.5 } }, assets: { red: 'red', nir: 'nir', scl: 'scl' } },
  mask: { nodata: true, classes: { band: 'scl', exclude: [3, 8, 9, 10, 11], dilate: 1 } },
  bands: { ndvi: '(nir - red) / (nir + red)' },
  outputs: ['ndvi'],
  interval: 'scene',
  coverage: 'center',
  stats: ['mean', 'count', 'nodata_count', 'median', 'stdev', 'histogram'],
  histogram: { bins: 5, range: [0, 1] },
});

describe('time series from a STAC API', () => {
  it('per scene: NDVI masked by SCL (20 m, dilated 1 cell) equals an independent computation; the cloudy date has count 0', async () => {
    searches = 0;
    const spec = parseJobSpec(baseSpec());
    const r = await runStatsJob({ input: gpkg(), spec, allowed: { schemes: ['http'], s3Buckets: [], httpsHosts: [], allowLoopback: true } });
    expect(searches).toBe(2); // two pages
    expect(r.scenes).toBe(3);
    expect(r.columns.map((c) => c.name)).toEqual(['datetime', 'ndvi_mean', 'ndvi_count', 'ndvi_nodata_count', 'ndvi_median', 'ndvi_stdev', 'ndvi_histogram']);
    expect(r.rows).toHaveLength(6);
    for (const field of fields) {
      for (let d = 0; d < 3; d++) {
        const row = r.rows.find((x) => x.id === field[0] && x.values[0] === dates[d]?.replace('.000', ''));
        if (!row) throw new Error(`missing row ${field[0]} ${dates[d]}`);
        const got = rowObject(r.columns, row);
        const e = expected(field, d, 1);
        expect(got.ndvi_count, `${field[0]} ${d}`).toBe(e.count);
        expect(got.ndvi_nodata_count, `${field[0]} ${d}`).toBe(e.nodata);
        if (e.mean === null) expect(got.ndvi_mean).toBeNull();
        else {
          expect(got.ndvi_mean as number).toBeCloseTo(e.mean, 12);
          expect(got.ndvi_median as number).toBeCloseTo(e.median ?? NaN, 12);
        }
      }
    }
    // the cloudy date: every cell masked, count 0, not an error
    const cloudy = rowObject(r.columns, r.rows.find((x) => x.id === 'north' && x.values[0] === '2024-05-13T10:30:00Z') ?? r.rows[0]!);
    expect(cloudy).toMatchObject({ ndvi_count: 0, ndvi_mean: null, error: null });
    expect((cloudy.ndvi_nodata_count as number) > 0).toBe(true);
    // Sentinel Hub-style per-feature document
    const full = shDocument('north', 1, r.timeseries?.get(1) ?? []) as { id: number; identifier: string; response: { data: { interval: { from: string }; outputs: { ndvi: { bands: { B0: { stats: Record<string, number> ; histogram: { bins: { lowEdge: number; highEdge: number; count: number }[] } } } } } }[]; status: string } };
    expect(full.id).toBe(1);
    expect(full.identifier).toBe('north');
    const doc = full.response;
    expect(doc.status).toBe('OK');
    expect(doc.data).toHaveLength(3);
    const s0 = doc.data[0]?.outputs.ndvi.bands.B0;
    const e0 = expected(fields[0] as [string, number, number, number, number], 0, 1);
    expect(s0?.stats.sampleCount).toBe(e0.count + e0.nodata);
    expect(s0?.stats.noDataCount).toBe(e0.nodata);
    expect(s0?.stats.mean).toBeCloseTo(e0.mean ?? NaN, 12);
    expect(s0?.histogram.bins.map((b) => b.lowEdge)).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8]);
    expect(s0?.histogram.bins.reduce((a, b) => a + b.count, 0)).toBe(e0.count);
  });

  it('intervals: P10D composites the scenes in each interval (mean), SKIP drops the short last one', async () => {
    const spec = parseJobSpec({ ...baseSpec(), interval: 'P10D', composite: 'mean', mask: { nodata: true, classes: { band: 'scl', exclude: [3, 8, 9, 10, 11], dilate: 0 } } });
    const r = await runStatsJob({ input: gpkg(), spec, allowed: { schemes: ['http'], s3Buckets: [], httpsHosts: [], allowLoopback: true } });
    expect(r.columns.slice(0, 2).map((c) => c.name)).toEqual(['interval_from', 'interval_to']);
    // 2024-05-01..2024-06-01 in 10-day steps: 05-01, 05-11, 05-21 (05-31 is 1 day: skipped)
    const north = r.rows.filter((x) => x.id === 'north').map((x) => rowObject(r.columns, x));
    expect(north.map((x) => x.interval_from)).toEqual(['2024-05-01T00:00:00Z', '2024-05-11T00:00:00Z', '2024-05-21T00:00:00Z']);
    const e0 = expected(fields[0] as [string, number, number, number, number], 0, 0);
    expect(north[0]?.ndvi_mean as number).toBeCloseTo(e0.mean ?? NaN, 12); // one clear scene
    expect(north[1]?.ndvi_count).toBe(0); // only the cloudy scene
    // P1M: one interval with all three scenes; per cell the mean of the valid NDVIs, then the statistics
    const monthly = await runStatsJob({ input: gpkg(), spec: parseJobSpec({ ...baseSpec(), interval: 'P1M', composite: 'median', mask: { classes: { band: 'scl', exclude: [3, 8, 9, 10, 11] } } }), allowed: { schemes: ['http'], s3Buckets: [], httpsHosts: [], allowLoopback: true } });
    const m = rowObject(monthly.columns, monthly.rows.find((x) => x.id === 'cloudy-corner') ?? monthly.rows[0]!);
    const [, c0, r0, c1, r1] = fields[1] as [string, number, number, number, number];
    const cells: number[] = [];
    for (let r = 0; r < N; r++) for (let c = 0; c < N; c++) {
      const cx = c * 10 + 5;
      const cy = r * 10 + 5;
      if (!(cx > c0 && cx < c1 && cy > r0 && cy < r1)) continue;
      const vals = [0, 1, 2].filter((d) => ![3, 8, 9, 10, 11].includes(scl(d, r >> 1, c >> 1))).map((d) => (nir(d, r, c) - red(d, r, c)) / (nir(d, r, c) + red(d, r, c))).sort((a, b) => a - b);
      if (vals.length === 0) continue;
      cells.push(vals.length % 2 ? (vals[vals.length >> 1] as number) : ((vals[(vals.length >> 1) - 1] as number) + (vals[vals.length >> 1] as number)) / 2);
    }
    expect(m.ndvi_count).toBe(cells.length);
    expect(m.ndvi_mean as number).toBeCloseTo(cells.reduce((a, b) => a + b, 0) / cells.length, 12);
  });

  it('zonalflow local: the same time series through the pipeline (Plan searches once, workers read the scenes, long-format results)', async () => {
    const { runLocal } = await import('../../shared/local/runner');
    const out = join(dir, 'local');
    // the STAC API and its assets are on this machine: allowed only because the test names the host (--allow-host)
    const local = await runLocal({ input: gpkg(), spec: { ...baseSpec(), batching: { grid: 'h3', maxFeatures: 1 }, output: { formats: ['parquet', 'json'] } }, out, allowHosts: ['127.0.0.1'] });
    expect(local.status).toBe('DONE');
    const { readResultParquet } = await import('../../shared/output/read-parquet');
    const results = await readResultParquet(readFileSync(join(out, 'results.parquet')));
    const direct = await runStatsJob({ input: gpkg(), spec: parseJobSpec(baseSpec()), allowed: { schemes: ['http'], s3Buckets: [], httpsHosts: [], allowLoopback: true } });
    expect(results.columns).toEqual(direct.columns);
    expect(results.rows).toEqual(direct.rows);
    const doc = JSON.parse(readFileSync(join(out, 'features/north.json'), 'utf8')) as { identifier: string; response: { data: unknown[]; status: string } };
    expect(doc.identifier).toBe('north');
    expect(doc.response.status).toBe('OK');
    expect(doc.response.data).toHaveLength(3);
  });

  it('exact coverage: a MultiPolygon whose parts overlap adds their coverage, as exactextract (the two fields as one feature = the sum of the two)', async () => {
    // the fields overlap on 150..350 x 150..300 m; exactextract adds overlapping parts unclamped (a cell both cover weighs 2:
    // test/fixtures/overlapping-parts), so the weighted sums of `both` are those of the two fields added
    const path = join(dir, 'overlap.gpkg');
    const [north, corner] = fields as [[string, number, number, number, number], [string, number, number, number, number]];
    writeGeoPackage(path, [{
      name: 'fields', srsId: 4326, columns: { name: 'TEXT' },
      features: [
        { geometry: { type: 'Polygon', coordinates: [fieldRing(north)] }, properties: { name: north[0] } },
        { geometry: { type: 'Polygon', coordinates: [fieldRing(corner)] }, properties: { name: corner[0] } },
        { geometry: { type: 'MultiPolygon', coordinates: [[fieldRing(north)], [fieldRing(corner)]] }, properties: { name: 'both' } },
      ],
    }]);
    const spec = parseJobSpec({ ...baseSpec(), coverage: 'exact', stats: ['count', 'nodata_count', 'mean'] });
    const r = await runStatsJob({ input: path, spec, allowed: { schemes: ['http'], s3Buckets: [], httpsHosts: [], allowLoopback: true } });
    const at = (id: string, d: number): Record<string, unknown> => {
      const row = r.rows.find((x) => x.id === id && x.values[0] === dates[d]);
      if (!row) throw new Error(`missing row ${id} ${dates[d]}`);
      return rowObject(r.columns, row);
    };
    for (const d of [0, 2]) {
      const [n, c, b] = [at(north[0], d), at(corner[0], d), at('both', d)];
      const nc = n.ndvi_count as number;
      expect(nc > 0).toBe(true);
      const cc = c.ndvi_count as number;
      // each cell's fraction is a float32 (exactextract's): `both` rounds a boundary cell's summed fraction once where the
      // two fields round each part's, so the sums agree to a float32 rounding per boundary cell (~1e-9 relative here)
      const tol = 1e-7 * (nc + cc);
      expect(Math.abs((b.ndvi_count as number) - (nc + cc))).toBeLessThanOrEqual(tol);
      expect(Math.abs((b.ndvi_nodata_count as number) - ((n.ndvi_nodata_count as number) + (c.ndvi_nodata_count as number)))).toBeLessThanOrEqual(tol);
      expect(b.ndvi_mean as number).toBeCloseTo(((n.ndvi_mean as number) * nc + (c.ndvi_mean as number) * cc) / (nc + cc), 9);
    }
  });

  it('the spec is validated: unknown outputs, class bands, intervals', () => {
    expect(() => parseJobSpec({ ...baseSpec(), outputs: ['evi'] })).toThrow(/outputs: unknown output "evi" \(known: red, nir, scl, ndvi\)/);
    expect(() => parseJobSpec({ ...baseSpec(), mask: { classes: { band: 'qa', exclude: [1] } } })).toThrow(/class band "qa" is not among the assets/);
    expect(() => parseJobSpec({ ...baseSpec(), interval: 'weekly' })).toThrow(/interval is "scene" or an ISO-8601 duration/);
    expect(() => parseJobSpec({ ...baseSpec(), interpolate: 'cubic' })).toThrow(/interpolate/);
    expect(() => parseJobSpec({ rasters: [{ uri: 'dem.tif' }], interpolate: 'linear' })).toThrow(/"interpolate" applies to a "stac" time series/);
    expect(() => parseJobSpec({ ...baseSpec(), bands: { ndvi: 'nir +* red' } })).toThrow(/bands.ndvi: band "ndvi" "nir \+\* red": unexpected "\*"/);
    expect(() => parseJobSpec({ ...baseSpec(), bands: { ndvi: '(nir - swir) / 2' } })).toThrow(/bands.ndvi: .*unknown band "swir" \(known: red, nir, scl\)/);
  });
});
