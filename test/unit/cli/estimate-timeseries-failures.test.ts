/**
 * `zonalflow estimate` of a time series whose STAC items list assets a Worker cannot open: one answering 404, one on
 * an https host that passes the allow-list by name (--raster-host) and is refused after DNS (it resolves, here, to
 * 127.0.0.1). `zonalflow stats` fails the features that need them in those acquisitions (their rows' `error`,
 * `error:` lines) and exits as its outcome says; the estimate says which assets fail and why, in the same reasons,
 * and exits as stats does. The STAC API and the assets are served here on 127.0.0.1.
 */
import dns from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import proj4 from 'proj4';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cases/run-cli';
import { writeCog } from '../../helpers/cog-writer';
import { writeGeoPackage } from '../../helpers/gpkg-writer';

const dir = mkdtempSync(join(tmpdir(), 'zf-estimate-ts-fail-'));
const X0 = 600000;
const Y0 = 5000000;
let server: Server;
let port = 0;

/** Which items the search returns: `ok` all readable; `some` S2_1's red 404s and S2_2's red is refused after DNS; `all` every red fails. */
type Case = 'ok' | 'some' | 'all';

beforeAll(async () => {
  for (const d of [0, 1, 2]) for (const b of ['red', 'nir']) writeCog(join(dir, `${b}${d}.tif`), { width: 100, height: 100, dtype: 'uint16', tileSize: 32, epsg: 32631, transform: [X0, Y0, 10, 10], nodata: 0, value: (r, c) => 100 + r + c + d });
  const toLonLat = proj4('+proj=utm +zone=31 +datum=WGS84 +units=m +no_defs', 'EPSG:4326');
  const sw = toLonLat.forward<[number, number]>([X0, Y0 - 1000]);
  const ne = toLonLat.forward<[number, number]>([X0 + 1000, Y0]);
  const local = (f: string): string => `http://127.0.0.1:${port}/cogs/${f}`;
  const red = (c: Case, d: number): string => c === 'ok' || d === 0 ? local(`red${d}.tif`) : d === 1 || c === 'all' && d === 0 ? local(`gone${d}.tif?X-Amz-Signature=secret${d}`) : `https://assets.zonalflow-test:${port}/cogs/red${d}.tif?token=secret`;
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const search = /^\/(ok|some|all)\/search$/.exec(url.pathname);
    if (req.method === 'POST' && search) {
      req.resume();
      req.on('end', () => {
        const c = search[1] as Case;
        const features = ['2024-05-03T10:30:00Z', '2024-05-13T10:30:00Z', '2024-05-23T10:30:00Z'].map((dt, d) => ({ type: 'Feature', id: `S2_${d}`, bbox: [sw[0], sw[1], ne[0], ne[1]], properties: { datetime: dt }, assets: { red: { href: c === 'all' && d === 0 ? local('gone0.tif') : red(c, d) }, nir: { href: local(`nir${d}.tif`) } } }));
        res.writeHead(200, { 'content-type': 'application/geo+json' }).end(JSON.stringify({ type: 'FeatureCollection', features }));
      });
      return;
    }
    if (url.pathname.startsWith('/cogs/') && !url.pathname.includes('gone')) {
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
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(() => vi.restoreAllMocks());

/** assets.zonalflow-test resolves to 127.0.0.1 (which the check after DNS refuses). */
function fakeDns(): void {
  const real = dns.lookup.bind(dns);
  vi.spyOn(dns, 'lookup').mockImplementation(((host: string, options: unknown, cb: (e: Error | null, a: LookupAddress[] | string, f?: number) => void) => {
    if (!/\.zonalflow-test$/.test(host)) return (real as (...a: unknown[]) => void)(host, options, cb);
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
    process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
  }) as unknown as typeof dns.lookup);
}

/** Two fields in EPSG:32631 over the assets, and a spec (one row per acquisition) whose STAC API lists the items of case `c`. */
function job(c: Case): { input: string; spec: string } {
  const input = join(dir, 'fields.gpkg');
  const sq = (x: number, y: number): [number, number][] => [[X0 + x, Y0 - y], [X0 + x + 200, Y0 - y], [X0 + x + 200, Y0 - y - 200], [X0 + x, Y0 - y - 200], [X0 + x, Y0 - y]];
  writeGeoPackage(input, [{ name: 'fields', srsId: 32631, features: [{ geometry: { type: 'Polygon', coordinates: [sq(100, 100)] } }, { geometry: { type: 'Polygon', coordinates: [sq(600, 500)] } }] }]);
  const spec = join(dir, `ts-${c}.json`);
  writeFileSync(spec, JSON.stringify({ stac: { api: `http://127.0.0.1:${port}/${c}`, collections: ['sentinel-2-l2a'], datetime: '2024-05-01/2024-05-31', assets: { red: 'red', nir: 'nir' } }, interval: 'scene', bands: { ndvi: '(nir - red) / (nir + red)' }, outputs: ['ndvi'], stats: ['mean'] }));
  return { input, spec };
}

const OPTIONS = ['--allow-host', '127.0.0.1', '--raster-host', 'assets.zonalflow-test'];

/** stats' `error:` lines, without the feature label: the reasons (`CODE: message`) it gives, each once. */
const reasons = (err: string): string[] => [...new Set(err.split('\n').filter((l) => l.startsWith('zonalflow: error: ')).map((l) => l.replace(/^zonalflow: error: ([A-Z_]+): feature "\d+" \(fid \d+\): /, '$1: ')))];

describe('estimate of a time series whose assets cannot be opened', () => {
  it('names each asset that fails with the reason stats gives, says how many features fail, and exits as stats does', async () => {
    fakeDns();
    const { input, spec } = job('some');
    const stats = await runCli(['stats', '--input', input, '--spec', spec, '--out', join(dir, 'stats-some.csv'), ...OPTIONS, '--quiet']);
    // stats: both features fail in the 2nd and 3rd acquisitions (the 404, the host refused after DNS): exit 1
    expect(stats.code).toBe(1);
    const why = reasons(stats.err);
    expect(why).toHaveLength(2);
    expect(why[0]).toMatch(/^SOURCE_FAILED: http:\/\/127\.0\.0\.1:\d+\/cogs\/gone1\.tif\?… answered HTTP 404 \(not found\)$/);
    expect(why[1]).toMatch(/^URI_NOT_ALLOWED: host assets\.zonalflow-test resolves to 127\.0\.0\.1, a private, loopback or link-local address/);
    const table = await runCli(['estimate', '--input', input, '--spec', spec, ...OPTIONS]);
    expect(table.code).toBe(stats.code);
    expect(table.out).toMatch(/raster range requests/);
    expect(table.err.split('\n').filter((l) => l !== '')).toEqual([
      `zonalflow: warning: STAC item S2_1, asset "red" cannot be opened, so the features that need it fail in its acquisition (their rows' "error", as stats and the Workers write it): ${why[0] ?? ''}`,
      `zonalflow: warning: STAC item S2_2, asset "red" cannot be opened, so the features that need it fail in its acquisition (their rows' "error", as stats and the Workers write it): ${why[1] ?? ''}`,
      'zonalflow: warning: 2 of 2 features would fail (4 rows with an error): the job would end FAILED',
    ]);
    // no secret of the hrefs' query strings
    expect(table.err).not.toMatch(/secret/);
    const json = await runCli(['estimate', '--json', '--input', input, '--spec', spec, ...OPTIONS]);
    expect([json.code, json.err]).toEqual([stats.code, '']);
    const r = JSON.parse(json.out) as { warnings: string[]; timeseries: { assetsFailed: number; featuresFailed: number; rowsFailed: number } };
    expect(r.warnings).toEqual(table.err.split('\n').filter((l) => l !== '').map((l) => l.replace(/^zonalflow: warning: /, '')));
    expect(r.timeseries).toMatchObject({ assetsFailed: 2, featuresFailed: 2, rowsFailed: 4 });
    // stats counts features, not rows (4 rows with an error are 2 features), as the Workers do
    const counted = await runCli(['stats', '--input', input, '--spec', spec, '--out', join(dir, 'stats-some-counted.csv'), ...OPTIONS]);
    expect(counted.err).toContain('zonalflow: 2 features (0 computed, 2 failed) over ');
    // run --dry-run: the same
    const dry = await runCli(['run', '--dry-run', '--input', input, '--spec', spec, ...OPTIONS]);
    expect(dry).toEqual(table);
  }, 60_000);

  it('the first item\'s asset failing (every feature placed on it): no feature computed, stats and the estimate exit 1', async () => {
    const { input, spec } = job('all');
    const stats = await runCli(['stats', '--input', input, '--spec', spec, '--out', join(dir, 'stats-all.csv'), ...OPTIONS, '--quiet']);
    expect(stats.code).toBe(1);
    const why = reasons(stats.err);
    expect(why).toHaveLength(1);
    const est = await runCli(['estimate', '--input', input, '--spec', spec, ...OPTIONS]);
    expect(est.code).toBe(1);
    expect(est.err).toContain(`zonalflow: warning: STAC item S2_0, asset "red" cannot be opened, so the features that need it fail in its acquisition (their rows' "error", as stats and the Workers write it): ${why[0] ?? ''}\n`);
    expect(est.err).toContain('zonalflow: warning: 2 of 2 features would fail (2 rows with an error): the job would end FAILED\n');
  }, 60_000);

  it('every asset readable: no warning, exit 0, as stats', async () => {
    const { input, spec } = job('ok');
    const stats = await runCli(['stats', '--input', input, '--spec', spec, '--out', join(dir, 'stats-ok.csv'), ...OPTIONS, '--quiet']);
    expect([stats.code, stats.err.split('\n').filter((l) => l.startsWith('zonalflow: warning') || l.startsWith('zonalflow: error'))]).toEqual([0, []]);
    const est = await runCli(['estimate', '--input', input, '--spec', spec, ...OPTIONS]);
    expect([est.code, est.err]).toEqual([0, '']);
  }, 60_000);
});
