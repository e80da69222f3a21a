/**
 * The same 100k-field job read over HTTP range requests with 30 ms added per
 * request (S3-like latency): requests made, bytes fetched vs the minimal bytes
 * of the tiles the features touch, wall time at the concurrency used.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { open } from 'node:fs/promises';
import { ensureFields, ensureRaster } from './synthetic';
import { peakRssMb, report } from './report';
import { runStatsJob } from '../shared/engine/stats-job';
import { parseJobSpec } from '../shared/spec';
import { openGeoPackage } from '../shared/features/gpkg';
import { openRaster } from '../shared/raster/cog';
import { FileSource } from '../shared/io/source.file';
import { crsFromGeoKeys } from '../shared/crs/geokeys';
import { ensureProj, makeTransformer } from '../shared/crs/transform';
import { transformGeometry } from '../shared/geometry/transform';
import { geometryWindow } from '../shared/coverage/coverage';
import type { Window } from '../shared/raster/grid';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 30);
const n = Number(process.env.BENCH_FEATURES ?? 100_000);
const rasterPath = ensureRaster();
const fields = ensureFields(n);
const fh = await open(rasterPath, 'r');
const size = (await fh.stat()).size;
let requests = 0;
let bytes = 0;
let inFlight = 0;
let maxInFlight = 0;
const server = createServer((req, res) => {
  requests++;
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
  setTimeout(() => {
    void (async () => {
      const a = Number(m?.[1] ?? 0);
      const b = Math.min(Number(m?.[2] ?? size - 1), size - 1);
      const buf = Buffer.alloc(b - a + 1);
      await fh.read(buf, 0, buf.length, a);
      bytes += buf.length;
      res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${size}`, 'content-length': buf.length }).end(buf);
      inFlight--;
    })();
  }, LATENCY_MS);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/s2.tif`;

// the minimal bytes: every tile any feature's window touches, once
const raster = await openRaster(new FileSource(rasterPath));
const layer = openGeoPackage(fields).layer();
await ensureProj();
const t = makeTransformer(layer.crs, crsFromGeoKeys(raster.info.geoKeys));
const windows: Window[] = [];
for (const f of layer.features({ columns: [] })) {
  if (!f.geometry) continue;
  const w = geometryWindow(t ? transformGeometry(f.geometry, t) : f.geometry, raster.info.grid);
  if (w) windows.push(w);
}
const tiles = raster.tileRanges(windows, [1]);
const minimal = tiles.reduce((a, r) => a + r.length, 0);

const spec = parseJobSpec({ input: { idColumn: 'field_id' }, rasters: [{ name: 'b04', uri: url }], stats: ['mean', 'min', 'max', 'count', 'stdev'], coverage: 'exact' });
const t0 = performance.now();
const result = await runStatsJob({ input: fields, spec, allowed: { schemes: ['http'], s3Buckets: [], httpsHosts: [], allowLoopback: true }, chunkSize: 2000 });
const wall = (performance.now() - t0) / 1000;
server.close();
await fh.close();
report('http-100k', {
  latency_ms_per_request: LATENCY_MS,
  features: result.rows.length,
  failed: result.summary.failed,
  tiles_touched: tiles.length,
  requests,
  requests_per_tile: requests / tiles.length,
  bytes_fetched: bytes,
  minimal_tile_bytes: minimal,
  bytes_ratio: bytes / minimal,
  max_concurrent_requests: maxInFlight,
  wall_s: wall,
  peak_rss_mb: peakRssMb(),
});
