/**
 * `zonalflow run --dry-run` takes the allow-list options `zonalflow estimate` takes (--allow-host, --raster-host,
 * --raster-bucket, as stats and local take them) and passes them to the estimate: a time series whose assets sit on a
 * host or bucket the spec does not name is refused without them, in the line estimate gives, and estimated with them,
 * the table equal to estimate's. The STAC API runs here on 127.0.0.1 (the spec names it); its items' assets are
 * served over http from `localhost`, over https from a name (past the list it is resolved, here to 127.0.0.1, and
 * refused after DNS), or from a bucket of the S3 stand-in (s3rver). Without --dry-run the options are refused: the job on
 * the stack reads what the stack allows.
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
import { useStandIns } from '../../helpers/local-aws';

const dir = mkdtempSync(join(tmpdir(), 'zf-dry-run-allow-'));
const X0 = 600000;
const Y0 = 5000000;
const BUCKET = 'zf-assets';
const standIns = useStandIns({ buckets: [BUCKET] });
let server: Server;
let port = 0;
let assetRequests = 0;

/** Where the items' assets are: `localhost` over http, a `.zonalflow-test` name over https, the stand-in's bucket. */
type Where = 'localhost' | 'https' | 's3';
const href = (where: Where, file: string): string => where === 'localhost' ? `http://localhost:${port}/cogs/${file}` : where === 'https' ? `https://assets.zonalflow-test:${port}/cogs/${file}` : `s3://${BUCKET}/cogs/${file}`;

beforeAll(async () => {
  for (const d of [0, 1]) for (const b of ['red', 'nir']) writeCog(join(dir, `${b}${d}.tif`), { width: 100, height: 100, dtype: 'uint16', tileSize: 32, epsg: 32631, transform: [X0, Y0, 10, 10], nodata: 0, value: (r, c) => 100 + r + c + d });
  for (const d of [0, 1]) for (const b of ['red', 'nir']) await standIns().putFile(BUCKET, `cogs/${b}${d}.tif`, join(dir, `${b}${d}.tif`));
  const toLonLat = proj4('+proj=utm +zone=31 +datum=WGS84 +units=m +no_defs', 'EPSG:4326');
  const sw = toLonLat.forward<[number, number]>([X0, Y0 - 1000]);
  const ne = toLonLat.forward<[number, number]>([X0 + 1000, Y0]);
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const search = /^\/(localhost|https|s3)\/search$/.exec(url.pathname);
    if (req.method === 'POST' && search) {
      req.resume();
      req.on('end', () => {
        const where = search[1] as Where;
        const features = ['2024-05-03T10:30:00Z', '2024-05-13T10:30:00Z'].map((dt, d) => ({ type: 'Feature', id: `S2_${d}`, bbox: [sw[0], sw[1], ne[0], ne[1]], properties: { datetime: dt }, assets: { red: { href: href(where, `red${d}.tif`) }, nir: { href: href(where, `nir${d}.tif`) } } }));
        res.writeHead(200, { 'content-type': 'application/geo+json' }).end(JSON.stringify({ type: 'FeatureCollection', features }));
      });
      return;
    }
    if (url.pathname.startsWith('/cogs/')) {
      assetRequests++;
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
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** Two fields in EPSG:32631 over the assets, and a spec whose STAC API (on 127.0.0.1) lists the assets `where`. */
function job(where: Where): { input: string; spec: string } {
  const input = join(dir, 'fields.gpkg');
  const sq = (x: number, y: number): [number, number][] => [[X0 + x, Y0 - y], [X0 + x + 200, Y0 - y], [X0 + x + 200, Y0 - y - 200], [X0 + x, Y0 - y - 200], [X0 + x, Y0 - y]];
  writeGeoPackage(input, [{ name: 'fields', srsId: 32631, features: [{ geometry: { type: 'Polygon', coordinates: [sq(100, 100)] } }, { geometry: { type: 'Polygon', coordinates: [sq(600, 500)] } }] }]);
  const spec = join(dir, `ts-${where}.json`);
  writeFileSync(spec, JSON.stringify({ stac: { api: `http://127.0.0.1:${port}/${where}`, collections: ['sentinel-2-l2a'], datetime: '2024-05-01/2024-05-31', assets: { red: 'red', nir: 'nir' } }, bands: { ndvi: '(nir - red) / (nir + red)' }, outputs: ['ndvi'], stats: ['mean'] }));
  return { input, spec };
}

/** estimate and run --dry-run with the same input, spec and options: both results. */
async function both(where: Where, options: string[]): Promise<{ estimate: { code: number; out: string; err: string }; dryRun: { code: number; out: string; err: string } }> {
  const { input, spec } = job(where);
  const estimate = await runCli(['estimate', '--input', input, '--spec', spec, ...options]);
  const dryRun = await runCli(['run', '--dry-run', '--input', input, '--spec', spec, ...options]);
  return { estimate, dryRun };
}

/** The table's raster range requests. */
const requestsOf = (table: string): number => Number(/raster range requests +([\d,]+) /.exec(table)?.[1]?.replaceAll(',', '') ?? NaN);

describe('run --dry-run takes the allow-list estimate takes', () => {
  it('--allow-host: assets on a loopback host the spec does not name are refused without it, estimated with it, as estimate does', async () => {
    const refused = await both('localhost', ['--allow-host', '127.0.0.1']);
    expect(refused.estimate.code).toBe(1);
    expect(refused.estimate.err).toMatch(/^zonalflow: error \[URI_NOT_ALLOWED\]: STAC item S2_0, asset "red": http:\/\/localhost:\d+\/cogs\/red0\.tif: .*\n$/);
    expect(refused.dryRun).toEqual(refused.estimate);
    const before = assetRequests;
    const allowed = await both('localhost', ['--allow-host', '127.0.0.1', '--allow-host', 'localhost']);
    expect(allowed.estimate.code, allowed.estimate.err).toBe(0);
    expect(assetRequests).toBeGreaterThan(before); // the headers, read by both
    expect(allowed.dryRun).toEqual(allowed.estimate);
    expect(allowed.dryRun.out).toMatch(/scenes \(STAC items\) +2 in 2 acquisitions\n/);
    expect(requestsOf(allowed.dryRun.out)).toBeGreaterThan(4); // 4 headers, then tiles
  }, 60_000);

  it('--raster-host: an https asset host passes the list with it (its name then resolved for the check after DNS), not without', async () => {
    const real = dns.lookup.bind(dns);
    const looked: string[] = [];
    vi.spyOn(dns, 'lookup').mockImplementation(((host: string, options: unknown, cb: (e: Error | null, a: LookupAddress[] | string, f?: number) => void) => {
      looked.push(host);
      if (!/\.zonalflow-test$/.test(host)) return (real as (...a: unknown[]) => void)(host, options, cb);
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
      process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
    }) as unknown as typeof dns.lookup);
    const before = assetRequests;
    const refused = await both('https', ['--allow-host', '127.0.0.1']);
    expect(refused.estimate.code).toBe(1);
    expect(refused.estimate.err).toMatch(/^zonalflow: error \[URI_NOT_ALLOWED\]: STAC item S2_0, asset "red": https:\/\/assets\.zonalflow-test:\d+\/cogs\/red0\.tif: host assets\.zonalflow-test is not among the allowed https hosts .*allow the host with --raster-host assets\.zonalflow-test/);
    expect(refused.dryRun).toEqual(refused.estimate);
    expect(looked).not.toContain('assets.zonalflow-test'); // refused by the list, its name never resolved
    const listed = await both('https', ['--allow-host', '127.0.0.1', '--raster-host', 'assets.zonalflow-test']);
    expect(listed.estimate.err).not.toMatch(/not among the allowed/);
    expect(listed.dryRun).toEqual(listed.estimate);
    // past the list, by both: the name resolved (to 127.0.0.1, which the check after DNS refuses: no asset read)
    expect(looked.filter((h) => h === 'assets.zonalflow-test').length).toBeGreaterThanOrEqual(2);
    expect(assetRequests).toBe(before);
  }, 60_000);

  it('--raster-bucket: assets in a bucket the spec does not name are refused without it, estimated with it (the S3 stand-in), as over http', async () => {
    for (const [k, v] of Object.entries(standIns().env)) vi.stubEnv(k, v);
    const refused = await both('s3', ['--allow-host', '127.0.0.1']);
    expect(refused.estimate.code).toBe(1);
    expect(refused.estimate.err).toBe(`zonalflow: error [URI_NOT_ALLOWED]: STAC item S2_0, asset "red": s3://${BUCKET}/cogs/red0.tif: s3:// is not allowed here (allowed: https, http); allow the bucket with --raster-bucket ${BUCKET} (zonalflow stats, local, estimate) or cdk deploy -c rasterBuckets=${BUCKET} (the stack)\n`);
    expect(refused.dryRun).toEqual(refused.estimate);
    const allowed = await both('s3', ['--allow-host', '127.0.0.1', '--raster-bucket', BUCKET]);
    expect(allowed.estimate.code, allowed.estimate.err).toBe(0);
    expect(allowed.dryRun).toEqual(allowed.estimate);
    // the same files over http from localhost: the same requests
    const http = await both('localhost', ['--allow-host', '127.0.0.1', '--allow-host', 'localhost']);
    expect(requestsOf(allowed.dryRun.out)).toBe(requestsOf(http.dryRun.out));
  }, 60_000);

  it('without --dry-run the options are refused (the stack decides what a job reads), exit 2, before the stack is sought', async () => {
    for (const [option, value] of [['--allow-host', '127.0.0.1'], ['--raster-host', 'assets.example.org'], ['--raster-bucket', BUCKET]] as const) {
      const r = await runCli(['run', '--input', 's3://b/fields.gpkg', option, value, '--stack', 'NoSuchStack']);
      expect([r.code, r.out, r.err]).toEqual([2, '', `zonalflow: error [SPEC_INVALID]: ${option} applies to run --dry-run only: a job on the stack reads the hosts and buckets the stack allows (cdk deploy -c rasterHttpsHosts=... / rasterBuckets=...)\n`]);
    }
  }, 60_000);
});
