/**
 * A bad tile is one failure, read once, on every read path. Fixture test/fixtures/corrupt-tile-reads/
 * (make.py, GDAL): bad-tile.tif, a 512 x 512 Int32 COG (value = 512 row + column, 128 x 128 Deflate tiles)
 * whose tile 15 (tile row 3, column 3, the last in the file) holds bytes that are not a Deflate stream at the
 * offset GDAL's TileOffsets give (tiles.json), and squares.gpkg, 4,096 squares of 8 x 8 cells, 256 of them
 * on tile 15. The raster is served by an HTTP server started here on 127.0.0.1 that logs every Range
 * request; each path must fetch the bad tile's bytes once (once per worker thread at most, as any
 * tile on the border of two threads' stretches), fail its 256 features with the tile's reason, and
 * compute the others exactly: count 64, mean 512 (8 R + 3.5) + 8 C + 3.5 for square (R, C)
 * (arithmetic). Before the fix, every feature on the bad tile fetched and inflated it again
 * (256 requests for it in `stats`, one per feature).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStatsJob } from '../../shared/engine/stats-job';
import type { StatsJobResult } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { runLocal } from '../../shared/local/runner';
import { openGeoPackage } from '../../shared/features/gpkg';
import { TimeseriesEngine } from '../../shared/engine/timeseries';
import type { AllowedSources } from '../../shared/io/uri';
import type { ResultRow } from '../../shared/output/table';

const FIX = join(import.meta.dirname, '../fixtures/corrupt-tile-reads');
const SQUARES = join(FIX, 'squares.gpkg');
interface TileEntry { index: number; row: number; col: number; offset: number; length: number }
const META = JSON.parse(readFileSync(join(FIX, 'tiles.json'), 'utf8')) as { size: number; width: number; tile: number; square: number; bad: number; tiles: TileEntry[] };
const BAD = META.tiles[META.bad] as TileEntry;
const FILES: Record<string, Buffer> = { '/bad-tile.tif': readFileSync(join(FIX, 'bad-tile.tif')) };
const ALLOWED: AllowedSources = { schemes: ['http'], s3Buckets: [], httpsHosts: [], allowLoopback: true };

/** One Range request the server answered: the path and the bytes asked for. */
interface Logged { path: string; offset: number; length: number }
let server: Server;
let base = '';
const log: Logged[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = FILES[path];
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    if (!body || !m) return void res.writeHead(body ? 400 : 404).end();
    const a = Number(m[1]);
    const b = Math.min(Number(m[2]), body.length - 1);
    log.push({ path, offset: a, length: Number(m[2]) - a + 1 });
    if (a >= body.length) return void res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${body.length}` }).end(body.subarray(a, b + 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** The requests for tile bytes (every request but the header reads at offset 0) that covered `t`. */
function fetchesOf(t: TileEntry, from: number): number {
  return log.slice(from).filter((q) => q.offset > 0 && q.offset <= t.offset && q.offset + q.length >= t.offset + t.length).length;
}

/** Square (R, C)'s expected count and mean, or null when it lies on the bad tile (arithmetic). */
function expected(id: string): [number, number] | null {
  const [R, C] = id.slice(1).split('_').map(Number) as [number, number];
  const perTile = META.tile / META.square;
  if (Math.floor(R / perTile) === BAD.row && Math.floor(C / perTile) === BAD.col) return null;
  return [META.square * META.square, META.width * (META.square * R + (META.square - 1) / 2) + META.square * C + (META.square - 1) / 2];
}

/** 256 rows fail with the bad tile's reason, the 3,840 others are exact. */
function expectRows(rows: readonly ResultRow[]): void {
  expect(rows).toHaveLength(4096);
  let failed = 0;
  for (const row of rows) {
    const e = expected(row.id);
    if (e === null) {
      failed++;
      expect(row.error).toMatch(new RegExp(`^TILE_INVALID: feature "${row.id}" \\(fid \\d+\\): tile ${BAD.index} \\(row ${BAD.row}, column ${BAD.col}, level 0\\) of .*bad-tile\\.tif cannot be read: corrupt Deflate data`));
    } else {
      expect(row.error).toBeNull();
      expect(row.values.slice(0, 2)).toEqual(e);
    }
  }
  expect(failed).toBe(256);
}

function spec(uri: string): ReturnType<typeof parseJobSpec> {
  return parseJobSpec({ input: { idColumn: 'id' }, rasters: [{ name: 'r', uri }], stats: ['count', 'mean'] });
}

describe('a corrupt tile touched by 256 features is fetched once', () => {
  it('stats in this thread, chunks of 50: the bad tile once, every tile once', async () => {
    const from = log.length;
    const r: StatsJobResult = await runStatsJob({ input: SQUARES, spec: spec(`${base}/bad-tile.tif`), allowed: ALLOWED, threads: 1, prepareThread: false, chunkSize: 50 });
    expectRows(r.rows);
    expect(r.summary).toMatchObject({ features: 4096, done: 3840, failed: 256 });
    for (const t of META.tiles) expect(fetchesOf(t, from), `tile ${t.index}`).toBe(1);
    // bytes stay bounded by what the features touch: header reads plus each tile once
    const tileBytes = log.slice(from).filter((q) => q.offset > 0).reduce((a, q) => a + q.length, 0);
    expect(tileBytes).toBeLessThanOrEqual(META.size);
  });

  it('stats on 2 worker threads and the prepare thread, chunks of 50: the bad tile once per thread at most', async () => {
    const from = log.length;
    const r = await runStatsJob({ input: SQUARES, spec: spec(`${base}/bad-tile.tif`), allowed: ALLOWED, threads: 2, prepareThread: true, chunkSize: 50 });
    expectRows(r.rows);
    expect(fetchesOf(BAD, from)).toBeGreaterThanOrEqual(1);
    expect(fetchesOf(BAD, from)).toBeLessThanOrEqual(2);
    for (const t of META.tiles) expect(fetchesOf(t, from), `tile ${t.index}`).toBeLessThanOrEqual(2);
  }, 60_000);

  it('time series: two acquisitions of the same asset, the bad tile fetched once for both', async () => {
    const from = log.length;
    const href = `${base}/bad-tile.tif`;
    const ts = parseJobSpec({ input: { idColumn: 'id' }, stac: { api: 'http://127.0.0.1:9/', collections: ['c'], datetime: '2024-05-01/2024-05-31', assets: { b: 'b' } }, stats: ['count', 'mean'] });
    const scenes = [
      { id: 'a', datetime: Date.parse('2024-05-03T10:00:00Z'), bbox: null, hrefs: { b: href } },
      { id: 'b', datetime: Date.parse('2024-05-08T10:00:00Z'), bbox: null, hrefs: { b: href } },
    ];
    const gpkg = openGeoPackage(SQUARES);
    try {
      const layer = gpkg.layer();
      const features = [...layer.features({ idColumn: 'id', columns: [] })];
      const engine = new TimeseriesEngine(ts, scenes, layer.crs, { allowed: ALLOWED });
      const { rows } = await engine.computeChunk(features);
      expect(rows).toHaveLength(2 * 4096);
      for (const day of [0, 1]) expectRows(rows.filter((_, i) => i % 2 === day).map((row) => ({ ...row, values: row.values.slice(1) })));
    } finally {
      gpkg.close();
    }
    expect(fetchesOf(BAD, from)).toBe(1);
  });

  it('local (the Lambda Worker): one batch in adaptive chunks, the bad tile once; PARTIAL with the 256 reasons', async () => {
    const from = log.length;
    const out = mkdtempSync(join(tmpdir(), 'zf-bad-tile-'));
    const r = await runLocal({ input: SQUARES, out, allowHosts: ['127.0.0.1'], spec: { input: { idColumn: 'id' }, rasters: [{ name: 'r', uri: `${base}/bad-tile.tif` }], stats: ['count', 'mean'], output: { formats: ['parquet'] }, batching: { grid: 'h3', maxFeatures: 5000 } } });
    expect(r.status).toBe('PARTIAL');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { features: { total: number; done: number; failed: number }; failures: { id: string; reason: string }[] };
    expect(summary.features).toMatchObject({ total: 4096, done: 3840, failed: 256 });
    expect(summary.failures.map((f) => f.id).sort()).toEqual(summary.failures.map((f) => f.id).filter((id) => expected(id) === null).sort());
    for (const f of summary.failures) expect(f.reason).toMatch(new RegExp(`tile ${BAD.index} \\(row ${BAD.row}, column ${BAD.col}, level 0\\) of .*bad-tile\\.tif cannot be read: corrupt Deflate data`));
    expect(fetchesOf(BAD, from)).toBe(1);
  }, 120_000);
});
