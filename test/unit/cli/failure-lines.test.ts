/**
 * A feature that could not be computed is an error of that feature, on an `error:` line of stderr (its row
 * carries the reason; the job goes on: exit 3), never a `warning:` (cli/failure-lines.ts; GDAL's `ERROR 1:`
 * for a failed operation the program goes on after). Through the CLI's own `main`, a zonal job and a time
 * series (a STAC API and its COG served here on 127.0.0.1) over one feature inside the raster and 12 without
 * geometry: the first 10 reasons, then "... and 2 more", each an `error:` line. `zonalflow local` prints the
 * same lines (test/unit/cli/local-report.test.ts, test/e2e/local-cli.test.ts).
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCog } from '../../helpers/cog-writer';
import { runCli } from '../../cases/run-cli';

const dir = mkdtempSync(join(tmpdir(), 'zf-failure-lines-'));
const raster = join(dir, 'r.tif');
// 20 x 20 cells of 1 degree over 0..20 E, 0..20 N
writeCog(raster, { width: 20, height: 20, dtype: 'int32', tileSize: 16, epsg: 4326, transform: [0, 20, 1, 1], value: (r, c) => r * 20 + c });
const input = join(dir, 'in.geojson');
const square = [[[3, 3], [5, 3], [5, 5], [3, 5], [3, 3]]];
writeFileSync(input, JSON.stringify({
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { name: 'ok' }, geometry: { type: 'Polygon', coordinates: square } },
    ...Array.from({ length: 12 }, (_, i) => ({ type: 'Feature', properties: { name: `empty${i}` }, geometry: null })),
  ],
}));

let server: Server;
let base = '';
beforeAll(async () => {
  const cog = readFileSync(raster);
  server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/search') {
      req.resume();
      const item = { type: 'Feature', id: 's1', bbox: [0, 0, 20, 20], geometry: { type: 'Polygon', coordinates: [[[0, 0], [20, 0], [20, 20], [0, 20], [0, 0]]] }, properties: { datetime: '2024-05-03T10:00:00Z' }, assets: { b: { href: `${base}/r.tif` } } };
      return void res.writeHead(200, { 'content-type': 'application/geo+json' }).end(JSON.stringify({ type: 'FeatureCollection', features: [item] }));
    }
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    if (req.url !== '/r.tif' || !m) return void res.writeHead(404).end();
    const a = Number(m[1]);
    const b = Math.min(Number(m[2]), cog.length - 1);
    res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${cog.length}` }).end(cog.subarray(a, b + 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

/** The failure lines a run must print: the 10 first features without geometry, then the 2 others counted. */
function expectFailureLines(err: string): void {
  const lines = err.trim().split('\n');
  const errors = lines.filter((l) => l.startsWith('zonalflow: error: '));
  expect(errors, err).toHaveLength(11);
  for (let i = 0; i < 10; i++) expect(errors[i]).toMatch(new RegExp(`^zonalflow: error: GEOMETRY_EMPTY: feature "empty${i}" \\(fid ${i + 1}\\): .*empty or missing geometry`));
  expect(errors[10]).toBe('zonalflow: error: ... and 2 more (see the "error" column)');
  expect(lines.filter((l) => l.startsWith('zonalflow: warning: ')), err).toEqual([]);
}

describe('failed features are error: lines on stderr, the job goes on', () => {
  it('stats: 1 computed, 12 failed, exit 3', async () => {
    const r = await runCli(['stats', '--input', input, '--raster', raster, '--id-column', 'name', '--out', join(dir, 'zonal.csv'), '--quiet']);
    expect(r.err).toMatch(/13 features \(1 computed, 12 failed\)/);
    expectFailureLines(r.err);
    expect(r.code).toBe(3);
  });

  it('a time series: the same lines, exit 3', async () => {
    const spec = join(dir, 'series.json');
    writeFileSync(spec, JSON.stringify({ input: { idColumn: 'name' }, stac: { api: base, collections: ['c'], datetime: '2024-05-01/2024-05-31', assets: { b: 'b' } }, interval: 'scene', stats: ['count', 'mean'] }));
    const r = await runCli(['stats', '--input', input, '--spec', spec, '--out', join(dir, 'series.csv'), '--allow-host', '127.0.0.1', '--quiet']);
    expect(r.err).toMatch(/13 features \(1 computed, 12 failed\) over 1 scene/);
    expectFailureLines(r.err);
    expect(r.code).toBe(3);
  });
});
