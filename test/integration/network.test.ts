/**
 * Network reach, end to end through `zonalflow stats` (cases redirect-loopback, stac-ssrf and
 * secrets-in-messages of ../shared/cases, inputs in test/fixtures/cases/): every URL, redirect hop,
 * STAC API and `next` link passes the allow-list; names that resolve to internal addresses are
 * refused after DNS; error bodies and secrets never reach a message. Two servers on 127.0.0.1
 * stand in for a public host and an internal one; both log every request. Expected values: the
 * fixture raster holds 64 row + column, so a 2 x 2 square at the centre of tile (R, C) has count 4 and
 * mean 64 (16 R + 7.5) + 16 C + 7.5 (arithmetic).
 */
import dns from 'node:dns';
import type { LookupAddress } from 'node:dns';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main';
import { checkedLookup, safeRequest } from '../../shared/io/http-request';
import { UriNotAllowedError } from '../../shared/errors';
import { redact } from '../../shared/io/uri';

const FIX = join(import.meta.dirname, '../fixtures/cases');
const BASE = readFileSync(join(FIX, 'redirect-loopback/base.tif'));
const TILES = join(FIX, 'redirect-loopback/tiles.gpkg');
const STAC_ITEMS = readFileSync(join(FIX, 'stac-ssrf/stac_items.json'), 'utf8');
const SECRET_BODY = 'TOP-SECRET-TOKEN=AKIAEXAMPLE1234 aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

interface TestServer { server: Server; port: number; log: string[]; connections: number }

/** The routes of the cases' _lib/server.py that these tests need. */
function route(self: () => string, req: IncomingMessage, res: ServerResponse): void {
  const u = new URL(req.url ?? '/', 'http://x');
  const p = u.pathname;
  if (p === '/redirect') return void res.writeHead(302, { location: u.searchParams.get('to') ?? '/' }).end();
  if (p === '/secret' || p.startsWith('/secret/')) return void res.writeHead(403, { 'content-type': 'text/plain' }).end(SECRET_BODY);
  if (p === '/stac/search') return void res.writeHead(200, { 'content-type': 'application/geo+json' }).end(STAC_ITEMS.replaceAll('{SELF}', self()));
  const next = /^\/stac-next\/(\d+)\/search$/.exec(p);
  if (next) return void res.writeHead(200, { 'content-type': 'application/geo+json' }).end(JSON.stringify({ type: 'FeatureCollection', features: [], links: [{ rel: 'next', href: `http://127.0.0.1:${next[1]}/secret`, method: 'GET' }] }));
  // a STAC API whose item's assets are on another host (`/stac-on/<host[:port]>/search`), as Earth Search's are on sentinel-cogs
  const on = /^\/stac-on\/([^/]+)\/search$/.exec(p);
  if (on) return void res.writeHead(200, { 'content-type': 'application/geo+json' }).end(STAC_ITEMS.replaceAll('{SELF}', `https://${on[1] ?? ''}`));
  const file = /^\/stac-file-next\/search$/.exec(p);
  if (file) return void res.writeHead(200, { 'content-type': 'application/geo+json' }).end(JSON.stringify({ type: 'FeatureCollection', features: [], links: [{ rel: 'next', href: 'file:///etc/passwd', method: 'GET' }] }));
  if (p === '/files/base.tif') {
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    if (!m) return void res.writeHead(200, { 'content-length': BASE.length }).end(BASE);
    const a = Number(m[1]);
    const b = Math.min(Number(m[2]), BASE.length - 1);
    return void res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${BASE.length}` }).end(BASE.subarray(a, b + 1));
  }
  res.writeHead(404).end('not found');
}

async function startServer(host = 'localhost'): Promise<TestServer> {
  const t: TestServer = { server: createServer(), port: 0, log: [], connections: 0 };
  t.server.on('connection', () => t.connections++);
  t.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    t.log.push(`${req.method ?? ''} ${req.url ?? ''}`);
    route(() => `http://${host}:${t.port}`, req, res);
  });
  await new Promise<void>((r) => t.server.listen(0, '127.0.0.1', r));
  t.port = (t.server.address() as AddressInfo).port;
  return t;
}

let pub: TestServer; // the "public" host, reached as localhost (opted in with --allow-host localhost)
let internal: TestServer; // what redirects and next links point at: 127.0.0.1, never opted in
const dir = mkdtempSync(join(tmpdir(), 'zf-net-'));

beforeAll(async () => {
  pub = await startServer();
  internal = await startServer('127.0.0.1');
});
afterAll(async () => {
  for (const t of [pub, internal]) {
    t.server.closeAllConnections();
    await new Promise<void>((r) => t.server.close(() => r()));
  }
});
afterEach(() => {
  vi.restoreAllMocks();
  internal.log.length = 0;
});

async function zonalflow(...argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { err += chunk.toString(); cb(); } });
  const code = await main(argv, { stdout: sink, stderr: sink });
  return { code, err };
}

/** Every file the runs wrote, as one string (secrets must appear in none). */
function everythingWritten(): string {
  return readdirSync(dir).filter((f) => !f.startsWith('spec-')).map((f) => readFileSync(join(dir, f), 'latin1')).join('\n');
}

function tsSpec(api: string): string {
  const path = join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify({ input: { idColumn: 'name' }, stac: { api, collections: ['c'], datetime: '2024-05-01/2024-05-10', assets: { red: 'b1', nir: 'b2' } }, bands: { ndvi: '(nir - red) / (nir + red)' }, stats: ['count', 'mean'] }));
  return path;
}

/** Resolves *.zonalflow-test to `address` (a public DNS record pointing at an internal address), like the cases' preload. */
function fakeDns(address: string, family = 4): void {
  const real = dns.lookup.bind(dns);
  vi.spyOn(dns, 'lookup').mockImplementation(((host: string, options: unknown, cb: (e: Error | null, a: LookupAddress[] | string, f?: number) => void) => {
    if (!/\.zonalflow-test$/.test(host)) return (real as (...a: unknown[]) => void)(host, options, cb);
    const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
    process.nextTick(() => (all ? cb(null, [{ address, family }]) : cb(null, address, family)));
  }) as unknown as typeof dns.lookup);
}

describe('redirects (case redirect-loopback)', () => {
  it('a redirect to a refused address is not followed: no request reaches it, exit 1, one line', async () => {
    const r = await zonalflow('stats', '--input', TILES, '--raster', `http://localhost:${pub.port}/redirect?to=http://127.0.0.1:${internal.port}/files/base.tif`, '--allow-host', 'localhost', '--out', join(dir, 'redirected.csv'), '--quiet');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/redirects to http:\/\/127\.0\.0\.1:\d+\/files\/base\.tif, which is refused/);
    expect(internal.log).toEqual([]);
    expect(internal.connections).toBe(0);
  });
  it('every hop is checked: a redirect to the IMDS address or a link-local IPv6 is refused too', async () => {
    const allowed = { schemes: ['http' as const, 'https' as const], s3Buckets: [], httpsHosts: ['*'], internalHosts: ['localhost'] };
    for (const to of ['http://169.254.169.254/latest/meta-data/', 'https://[fe80::1]/x', 'https://[::ffff:127.0.0.1]/x', 'https://100.64.0.1/x', 'https://0.0.0.0/x', 'https://[::]/x', 'https://[fd00:ec2::254]/x']) {
      await expect(safeRequest(`http://localhost:${pub.port}/redirect?to=${encodeURIComponent(to)}`, { allowed }), to).rejects.toThrow(/which is refused/);
    }
  });
  it('a redirect to an allowed host is followed and the job is computed', async () => {
    const out = join(dir, 'followed.csv');
    const r = await zonalflow('stats', '--input', TILES, '--raster', `http://localhost:${pub.port}/redirect?to=/files/base.tif`, '--allow-host', 'localhost', '--id-column', 'name', '--stats', 'count,mean', '--out', out, '--quiet');
    expect(r.err).toMatch(/16 features \(16 computed, 0 failed\)/);
    expect(r.code).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    for (const row of rows) {
      const [R, C] = [Number(row[0]?.[1]), Number(row[0]?.[2])];
      expect(Number(row[2])).toBe(4);
      expect(Number(row[3])).toBe(64 * (16 * R + 7.5) + 16 * C + 7.5);
    }
  });
});

describe('addresses are checked after DNS resolution', () => {
  it('a name resolving to 127.0.0.1 is refused before any connection; --allow-host opts that name in', async () => {
    fakeDns('127.0.0.1');
    const url = `http://rasters.zonalflow-test:${pub.port}/files/base.tif`;
    const before = pub.connections;
    const strict = { schemes: ['https' as const, 'http' as const], s3Buckets: [], httpsHosts: ['rasters.zonalflow-test'] };
    // http to a named host is refused by the scheme rule; over https the DNS check refuses the name
    await expect(safeRequest(`https://rasters.zonalflow-test:${pub.port}/files/base.tif`, { allowed: strict })).rejects.toThrow(/host rasters\.zonalflow-test resolves to 127\.0\.0\.1, a private, loopback or link-local address/);
    expect(pub.connections).toBe(before);
    const r = await zonalflow('stats', '--input', TILES, '--raster', `https://rasters.zonalflow-test:${pub.port}/files/base.tif`, '--out', join(dir, 'dns.csv'), '--quiet');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^zonalflow: error \[URI_NOT_ALLOWED\]: host rasters\.zonalflow-test resolves to 127\.0\.0\.1.*--allow-host rasters\.zonalflow-test\)\n$/);
    expect(pub.connections).toBe(before);
    // the explicit opt-in: the user's own loopback server
    const ok = await safeRequest(url, { allowed: { ...strict, internalHosts: ['rasters.zonalflow-test'] }, headers: { range: 'bytes=0-3' } });
    expect(ok.status).toBe(206);
  });
  it('every address a name resolves to is checked (IPv4, IPv6, IPv4-mapped, CGNAT, link-local, unspecified)', async () => {
    const allowed = { schemes: ['https' as const], s3Buckets: [], httpsHosts: ['*'] };
    const lookup = checkedLookup(allowed);
    const resolve = (addresses: LookupAddress[]): Promise<unknown> => {
      vi.spyOn(dns, 'lookup').mockImplementation(((_h: string, _o: unknown, cb: (e: Error | null, a: LookupAddress[]) => void) => process.nextTick(() => cb(null, addresses))) as unknown as typeof dns.lookup);
      return new Promise((resolveP) => lookup('h.example', { all: true }, (err, a) => resolveP(err ?? a)));
    };
    for (const bad of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:a9fe:a9fe']) {
      const got = await resolve([{ address: '93.184.216.34', family: 4 }, { address: bad, family: bad.includes(':') ? 6 : 4 }]);
      expect(got, bad).toBeInstanceOf(UriNotAllowedError);
    }
    expect(await resolve([{ address: '93.184.216.34', family: 4 }, { address: '2606:2800:220:1::1', family: 6 }])).toEqual([{ address: '93.184.216.34', family: 4 }, { address: '2606:2800:220:1::1', family: 6 }]);
  });
});

describe('STAC API and next links (case stac-ssrf)', () => {
  const run = async (api: string, ...extra: string[]): Promise<{ code: number; err: string; out: string }> => {
    const out = join(dir, `stac-${Math.random().toString(36).slice(2)}.csv`);
    const r = await zonalflow('stats', '--input', TILES, '--spec', tsSpec(api), '--out', out, '--quiet', ...extra);
    return { ...r, out };
  };
  it('a loopback API and the instance-metadata address are refused before any request', async () => {
    const lookups = vi.spyOn(dns, 'lookup');
    const a = await run(`http://127.0.0.1:${internal.port}/stac`);
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/^zonalflow: error \[URI_NOT_ALLOWED\]: the STAC API http:\/\/127\.0\.0\.1:\d+\/stac\/search: .*not allowed/);
    const b = await run('http://169.254.169.254/latest/meta-data/iam/security-credentials/role?');
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/the STAC API http:\/\/169\.254\.169\.254\/latest\/meta-data\/iam\/security-credentials\/role\?…: /);
    const c = await run('https://169.254.169.254/latest/meta-data/');
    expect(c.err).toMatch(/host 169\.254\.169\.254 is a private, loopback or link-local address/);
    expect(internal.log).toEqual([]);
    expect(lookups).not.toHaveBeenCalled();
  });
  it('a next link to an internal address is refused; the internal server gets no request', async () => {
    const r = await run(`http://localhost:${pub.port}/stac-next/${internal.port}`, '--allow-host', 'localhost');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the STAC `next` link http:\/\/127\.0\.0\.1:\d+\/secret: plain http:\/\/ is refused/);
    expect(internal.log).toEqual([]);
  });
  it('never a local file: file: URLs as the API or as a next link are refused', async () => {
    const a = await run('file:///etc/passwd');
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/STAC API file:\/\/\/etc\/passwd is not an https:\/\/ URL/);
    const b = await run(`http://localhost:${pub.port}/stac-file-next`, '--allow-host', 'localhost');
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/`next` link file:\/\/\/etc\/passwd is not an https:\/\/ URL/);
  });
  it('an error answer is reported by its status only, never its body', async () => {
    const r = await run(`http://localhost:${pub.port}/secret`, '--allow-host', 'localhost');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the STAC API http:\/\/localhost:\d+\/secret\/search answered HTTP 403\n/);
    expect(r.err + everythingWritten()).not.toMatch(/TOP-SECRET|AKIAEXAMPLE|wJalrXUtn/);
  });
  it('control: an allowed API with one item computes the 16 features', async () => {
    const r = await run(`http://localhost:${pub.port}/stac`, '--allow-host', 'localhost');
    expect(r.err).toMatch(/16 features \(16 computed, 0 failed\) over 1 scene in /);
    expect(r.code).toBe(0);
  });
});

describe('STAC asset hrefs pass the one allow-list (stats, local, AWS alike)', () => {
  const S2 = 'sentinel-cogs.s3.us-west-2.amazonaws.com';
  const refused = new RegExp(`STAC item scene-2024-05-03, asset "red": https://${S2.replaceAll('.', '\\.')}/files/base\\.tif: host ${S2.replaceAll('.', '\\.')} is not among the allowed https hosts \\(none\\) nor the hosts named with --allow-host \\(localhost\\); allow the host with --raster-host ${S2.replaceAll('.', '\\.')} \\(zonalflow stats, local, estimate\\) or cdk deploy -c rasterHttpsHosts=${S2.replaceAll('.', '\\.')} \\(the stack\\)`);
  it('stats: an asset on a host nobody allowed is refused in one line naming the host, the item and --raster-host; its name is never resolved', async () => {
    const lookups = vi.spyOn(dns, 'lookup');
    const r = await zonalflow('stats', '--input', TILES, '--spec', tsSpec(`http://localhost:${pub.port}/stac-on/${S2}`), '--allow-host', 'localhost', '--out', join(dir, 'assets.csv'), '--quiet');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n'), r.err).toHaveLength(1);
    expect(r.err).toMatch(refused);
    expect(lookups.mock.calls.map((c) => c[0])).not.toContain(S2);
  });
  it('stats --raster-host admits the host to the list; its addresses are still checked after DNS', async () => {
    fakeDns('127.0.0.1');
    const host = `assets.zonalflow-test:${pub.port}`;
    const before = pub.connections;
    const r = await zonalflow('stats', '--input', TILES, '--spec', tsSpec(`http://localhost:${pub.port}/stac-on/${host}`), '--allow-host', 'localhost', '--raster-host', 'assets.zonalflow-test', '--out', join(dir, 'assets2.csv'), '--quiet');
    expect(r.err).not.toMatch(/not among the allowed/);
    expect(r.err).toMatch(/host assets\.zonalflow-test resolves to 127\.0\.0\.1, a private, loopback or link-local address/);
    expect(pub.connections - before).toBe(1); // the STAC search only
  });
  it('local: Plan refuses the same asset with the same line (no `*` for a time series), as the stack with rasterHttpsHosts does', async () => {
    const { runLocal } = await import('../../shared/local/runner');
    const spec = JSON.parse(readFileSync(tsSpec(`http://localhost:${pub.port}/stac-on/${S2}`), 'utf8')) as Record<string, unknown>;
    const r = await runLocal({ input: TILES, spec, out: join(mkdtempSync(join(tmpdir(), 'zf-net-local-')), 'out'), allowHosts: ['localhost'] });
    expect(r.status).toBe('FAILED');
    // the Fail state's cause: Lambda's error document ({"errorType", "errorMessage"})
    const cause = JSON.parse(r.error?.message ?? '{}') as { errorType?: string; errorMessage?: string };
    expect(cause.errorType, r.error?.message).toBe('UriNotAllowedError');
    expect(cause.errorMessage ?? '').toMatch(/STAC item scene-2024-05-03, asset "red": https:\/\/sentinel-cogs\.s3\.us-west-2\.amazonaws\.com\/files\/base\.tif: host sentinel-cogs\.s3\.us-west-2\.amazonaws\.com is not among the allowed https hosts.*--raster-host sentinel-cogs/);
  });
  it('zonalflow local prints the refusal once, on its result line, as one line (not the Lambda error document), how to allow the host at its end', async () => {
    const r = await zonalflow('local', '--input', TILES, '--spec', tsSpec(`http://localhost:${pub.port}/stac-on/${S2}`), '--allow-host', 'localhost', '--out', join(mkdtempSync(join(tmpdir(), 'zf-net-local-')), 'out'));
    expect(r.code, r.err).toBe(1);
    // Plan's reason is the job's error (JobFailed passes it on): no `failed Plan: ...` / `failed JobFailed: ...` repeating it
    expect(r.err.split('\n').filter((l) => /^zonalflow local: failed /.test(l)), r.err).toEqual([]);
    const failed = r.err.split('\n').filter((l) => l.includes('is not among the allowed https hosts'));
    expect(failed.length, r.err).toBe(1);
    for (const l of failed) {
      expect(l).not.toMatch(/errorType|errorMessage|UriNotAllowedError|\{/);
      expect(l.replace(/^zonalflow local: job \S+ FAILED; \d+ files? in \S+: error \[URI_NOT_ALLOWED\]: /, '')).toMatch(new RegExp(`^STAC item scene-2024-05-03, asset "red": https://${S2.replaceAll('.', '\\.')}/files/base\\.tif: host ${S2.replaceAll('.', '\\.')} is not among the allowed https hosts .*; allow the host with --raster-host ${S2.replaceAll('.', '\\.')} \\(zonalflow stats, local, estimate\\) or cdk deploy -c rasterHttpsHosts=${S2.replaceAll('.', '\\.')} \\(the stack\\)$`));
    }
  });
});

describe('secrets never appear in messages (case secrets-in-messages)', () => {
  it('passwords, keys and signatures are redacted on every error path', async () => {
    const runs: string[][] = [
      ['--raster', 'ftp://user:hunter2@example.com/x.tif'],
      ['--raster', 'https://user:hunter2@[bad/x.tif'],
      ['--raster', 's3://AKIAEXAMPLE:wJalrSECRETKEY@bucket/k.tif'],
      ['--spec', tsSpec('https://user:hunter2@127.0.0.1:1/')],
      ['--raster', `http://localhost:${pub.port}/files/base.tif?X-Amz-Credential=AKIAEXAMPLE%2F20240501%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=deadbeefSECRET`, '--bands', '5', '--allow-host', 'localhost'],
    ];
    const messages: string[] = [];
    for (const args of runs) {
      const r = await zonalflow('stats', '--input', TILES, ...args, '--out', join(dir, 'secret.csv'), '--quiet');
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err.trim().split('\n'), r.err).toHaveLength(1);
      messages.push(r.err);
    }
    expect(messages.join('') + everythingWritten()).not.toMatch(/hunter2|wJalrSECRETKEY|deadbeefSECRET/);
    expect(messages[4]).toMatch(/http:\/\/localhost:\d+\/files\/base\.tif\?… has 1 band; band 5 was asked for/);
  });
  it('redact drops user-info, query and fragment', () => {
    expect(redact('https://u:p@h.example/a.tif?X-Amz-Signature=s#f')).toBe('https://h.example/a.tif?…');
    expect(redact('s3://AKIA:SECRET@bucket/k.tif')).toBe('s3://bucket/k.tif');
    expect(redact('https://h.example/a.tif#frag')).toBe('https://h.example/a.tif');
    expect(redact('/local/path.tif')).toBe('/local/path.tif');
  });
});

describe('the result line says how the rasters were read (cli/format.ts readsPhrase)', () => {
  it('over HTTP: "N requests", N the GETs the server answered; the same raster as a local file: "N file reads"; both: each counted', async () => {
    pub.log.length = 0;
    const url = `http://localhost:${pub.port}/files/base.tif`;
    const http = await zonalflow('stats', '--input', TILES, '--raster', url, '--allow-host', 'localhost', '--stats', 'mean', '--threads', '1', '--out', join(dir, 'reads-http.csv'), '--quiet');
    expect(http.code).toBe(0);
    const gets = pub.log.filter((l) => l.startsWith('GET /files/base.tif')).length;
    expect(gets).toBeGreaterThan(0);
    expect(http.err).toMatch(new RegExp(` read in ${gets} requests? -> `));
    const local = await zonalflow('stats', '--input', TILES, '--raster', join(FIX, 'redirect-loopback/base.tif'), '--stats', 'mean', '--threads', '1', '--out', join(dir, 'reads-file.csv'), '--quiet');
    expect(local.code).toBe(0);
    // the same reads of the same file: as many as the requests over HTTP
    expect(local.err).toMatch(new RegExp(` read in ${gets} file reads? -> `));
    pub.log.length = 0;
    const both = await zonalflow('stats', '--input', TILES, '--raster', `a=${url}`, '--raster', `b=${join(FIX, 'redirect-loopback/base.tif')}`, '--allow-host', 'localhost', '--stats', 'mean', '--threads', '1', '--out', join(dir, 'reads-both.csv'), '--quiet');
    expect(both.code).toBe(0);
    expect(both.err).toMatch(new RegExp(` read in ${pub.log.filter((l) => l.startsWith('GET /files/base.tif')).length} requests? and ${gets} file reads? -> `));
  });
});
