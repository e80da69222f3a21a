/**
 * `zonalflow estimate` of a time series (a spec with `stac`) from the CLI, against a STAC API started here on
 * 127.0.0.1: the API is refused unless its host is allowed (--allow-host, as stats and local take it), before any
 * request; allowed, the table shows the scenes the search found and the raster requests they make (never "not
 * estimated"), and the warnings are the ones `zonalflow stats` prints for the same input and spec (here: scene
 * assets without a CRS), on stderr and in --json's `warnings`.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';
import { writeCog } from '../../helpers/cog-writer';
import { writeGeoPackage } from '../../helpers/gpkg-writer';

const dir = mkdtempSync(join(tmpdir(), 'zf-estimate-ts-cli-'));
const X0 = 600000;
const Y0 = 5000000;
let server: Server;
let api = '';
let requests = 0;

beforeAll(async () => {
  // two dates; the assets have no GeoKeys (no CRS): stats takes them as being in the layer's CRS and warns
  for (const d of [0, 1]) for (const b of ['red', 'nir']) writeCog(join(dir, `${b}${d}.tif`), { width: 100, height: 100, dtype: 'uint16', tileSize: 32, transform: [X0, Y0, 10, 10], nodata: 0, value: (r, c) => 100 + r + c + d });
  const toLonLat = proj4('+proj=utm +zone=31 +datum=WGS84 +units=m +no_defs', 'EPSG:4326');
  const sw = toLonLat.forward<[number, number]>([X0, Y0 - 1000]);
  const ne = toLonLat.forward<[number, number]>([X0 + 1000, Y0]);
  server = createServer((req, res) => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/search') {
      req.resume();
      req.on('end', () => {
        const features = ['2024-05-03T10:30:00Z', '2024-05-13T10:30:00Z'].map((dt, d) => ({ type: 'Feature', id: `S2_${d}`, bbox: [sw[0], sw[1], ne[0], ne[1]], properties: { datetime: dt }, assets: { red: { href: `${api}/cogs/red${d}.tif` }, nir: { href: `${api}/cogs/nir${d}.tif` } } }));
        res.writeHead(200, { 'content-type': 'application/geo+json' }).end(JSON.stringify({ type: 'FeatureCollection', features }));
      });
      return;
    }
    if (url.pathname.startsWith('/cogs/')) {
      const bytes = readFileSync(join(dir, url.pathname.slice(6)));
      const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
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

/** Two fields in EPSG:32631 over the assets, and the spec. */
function job(): { input: string; spec: string } {
  const input = join(dir, 'fields.gpkg');
  const sq = (x: number, y: number): [number, number][] => [[X0 + x, Y0 - y], [X0 + x + 200, Y0 - y], [X0 + x + 200, Y0 - y - 200], [X0 + x, Y0 - y - 200], [X0 + x, Y0 - y]];
  writeGeoPackage(input, [{ name: 'fields', srsId: 32631, features: [{ geometry: { type: 'Polygon', coordinates: [sq(100, 100)] } }, { geometry: { type: 'Polygon', coordinates: [sq(600, 500)] } }] }]);
  const spec = join(dir, 'ts.json');
  writeFileSync(spec, JSON.stringify({ stac: { api, collections: ['sentinel-2-l2a'], datetime: '2024-05-01/2024-05-31', assets: { red: 'red', nir: 'nir' } }, bands: { ndvi: '(nir - red) / (nir + red)' }, outputs: ['ndvi'], stats: ['mean'] }));
  return { input, spec };
}

describe('estimate of a time series', () => {
  it('refuses a loopback STAC API without --allow-host, in one line, before any request (exit 1)', async () => {
    const { input, spec } = job();
    const before = requests;
    const r = await runCli(['estimate', '--input', input, '--spec', spec]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/STAC API/);
    expect(requests).toBe(before);
  }, 60_000);

  it('prints the scenes and their raster requests, and the warnings stats gives', async () => {
    const { input, spec } = job();
    const stats = await runCli(['stats', '--input', input, '--spec', spec, '--out', join(dir, 'stats.csv'), '--allow-host', '127.0.0.1', '--quiet']);
    expect(stats.code, stats.err).toBe(0);
    const lines = stats.err.split('\n').filter((l) => l.startsWith('zonalflow: warning: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^zonalflow: warning: scene assets have no CRS \(no GeoKeys; first: item S2_0\)/);
    const table = await runCli(['estimate', '--input', input, '--spec', spec, '--allow-host', '127.0.0.1']);
    expect(table.code, table.err).toBe(0);
    expect(table.err.split('\n').filter((l) => l !== '')).toEqual(lines);
    const json = await runCli(['estimate', '--json', '--input', input, '--spec', spec, '--allow-host', '127.0.0.1']);
    expect([json.code, json.err]).toEqual([0, '']);
    const r = JSON.parse(json.out) as { warnings: string[]; estimate: { requests: { rasterGets: number }; rasterBytes: number }; timeseries: { scenes: number; acquisitions: number; headerRequests: number } };
    expect(r.warnings).toEqual(lines.map((l) => l.replace(/^zonalflow: warning: /, '')));
    // 2 items, 2 dates; the features' batch opens both items' 2 assets: at least a header each, then tiles
    expect(r.timeseries).toMatchObject({ scenes: 2, acquisitions: 2 });
    expect(r.timeseries.headerRequests).toBeGreaterThanOrEqual(4);
    expect(r.estimate.requests.rasterGets).toBeGreaterThan(r.timeseries.headerRequests);
    const out = table.out.split('\n');
    expect(out.find((l) => l.includes('scenes (STAC items)'))).toMatch(/scenes \(STAC items\) +2 in 2 acquisitions$/);
    expect(out.find((l) => l.includes('raster range requests'))).toMatch(new RegExp(`raster range requests +${r.estimate.requests.rasterGets} \\(`));
    expect(table.out).not.toMatch(/not estimated/);
  }, 60_000);

  it('says when the search finds no scene for the dates (the server\'s items are all in May 2024)', async () => {
    const { input, spec } = job();
    const body = JSON.parse(readFileSync(spec, 'utf8')) as { stac: { datetime: string } };
    body.stac.datetime = '2023-05-01/2023-05-31';
    const empty = join(dir, 'ts-2023.json');
    writeFileSync(empty, JSON.stringify(body));
    const json = await runCli(['estimate', '--json', '--input', input, '--spec', empty, '--allow-host', '127.0.0.1']);
    expect([json.code, json.err]).toEqual([0, '']);
    const r = JSON.parse(json.out) as { notes: string[]; estimate: { requests: { rasterGets: number } }; timeseries: { scenes: number } };
    expect(r.timeseries.scenes).toBe(0);
    expect(r.estimate.requests.rasterGets).toBe(0);
    expect(r.notes).toContain('time series: the STAC search found no scene for the dates and the features\' area: no acquisition, so no row for any feature');
  }, 60_000);
});
