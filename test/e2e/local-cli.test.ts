/**
 * `zonalflow local` as a user runs it (issue 16): a raster on the user's own http server on 127.0.0.1
 * (started here, stopped after) is refused by default with a message that names --allow-host, and
 * read with `--allow-host 127.0.0.1`; the first failure reasons are printed as `stats` prints them
 * (the first 10, then "... and N more"); `--quiet` prints only the result line; no error JSON leaks.
 * Statistics: count 4, mean 487.5 by hand (test/fixtures/cases/fids: cells 455, 456, 519, 520).
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvObjects, runCli } from '../cases/run-cli';
import { InputError } from '../../shared/errors';
import { namingInput } from '../../shared/pipeline/plan';

const FIDS = join(import.meta.dirname, '../fixtures/cases/fids');
const tif = readFileSync(join(FIDS, 'base.tif'));
let server: Server;
let port = 0;
const requests: string[] = [];

beforeAll(async () => {
  // a plain file server for one file, with byte ranges (as a user's `python3 -m http.server` or nginx)
  server = createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    if (req.url !== '/base.tif') return void res.writeHead(404).end();
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (!m) return void res.writeHead(200, { 'content-length': tif.length, 'accept-ranges': 'bytes' }).end(tif);
    const start = Number(m[1]);
    const end = Math.min(tif.length - 1, m[2] ? Number(m[2]) : tif.length - 1);
    res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${tif.length}`, 'content-length': end - start + 1 }).end(tif.subarray(start, end + 1));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
});

function spec(dir: string, uri: string): string {
  const path = join(dir, 'job.json');
  writeFileSync(path, JSON.stringify({ input: { idColumn: 'name' }, rasters: [{ name: 'base', uri }], stats: ['count', 'mean'], output: { formats: ['parquet', 'csv'] } }));
  return path;
}

describe('zonalflow local: the user\'s own http server', () => {
  it('is refused by default, naming --allow-host, before any request reaches it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-local-cli-'));
    requests.length = 0;
    const r = await runCli(['local', '--input', join(FIDS, 'null_fids.gpkg'), '--spec', spec(dir, `http://127.0.0.1:${port}/base.tif`), '--out', join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/job null_fids-\w+ FAILED; \d+ files? in .*: http:\/\/127\.0\.0\.1:\d+\/base\.tif: .*not allowed.*--allow-host HOST/);
    expect(r.err).not.toMatch(/errorType|errorMessage|\[States\./);
    expect(requests).toEqual([]);
  });
  it('is read with --allow-host 127.0.0.1; --quiet prints only the result line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-local-cli-'));
    const r = await runCli(['local', '--input', join(FIDS, 'null_fids.gpkg'), '--spec', spec(dir, `http://127.0.0.1:${port}/base.tif`), '--out', join(dir, 'out'), '--allow-host', '127.0.0.1', '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(r.err.trimEnd().split('\n')).toEqual([expect.stringMatching(/^zonalflow local: job null_fids-\w+ DONE \(4\/4 features, 0 failed\); \d+ files in /)]);
    const rows = csvObjects(readFileSync(join(dir, 'out/results.csv'), 'utf8'));
    expect(rows.map((x) => [x.id, x.fid, x.base_count, x.base_mean])).toEqual([['one', '1', '4', '487.5'], ['nullA', '', '4', '487.5'], ['nullB', '', '4', '487.5'], ['four', '4', '4', '487.5']]);
    expect(requests.length).toBeGreaterThan(0);
  });
});

describe('zonalflow local: failure reasons and warnings as stats prints them', () => {
  it('12 features without geometry: the first 10 reasons and "... and 2 more" as error: lines, exit 3', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-local-cli-'));
    // GeoJSON (lon/lat): 12 features without geometry and one tiny square inside base.tif (EPSG:3857, 0..64 m)
    const deg = (m: number): number => (m / 6378137) * (180 / Math.PI);
    const square = [[[deg(7), deg(55)], [deg(9), deg(55)], [deg(9), deg(57)], [deg(7), deg(57)], [deg(7), deg(55)]]];
    const features = [{ type: 'Feature', properties: { name: 'ok' }, geometry: { type: 'Polygon', coordinates: square } }, ...Array.from({ length: 12 }, (_, i) => ({ type: 'Feature', properties: { name: `empty${i}` }, geometry: null }))];
    writeFileSync(join(dir, 'in.geojson'), JSON.stringify({ type: 'FeatureCollection', features }));
    const r = await runCli(['local', '--input', join(dir, 'in.geojson'), '--spec', spec(dir, join(FIDS, 'base.tif')), '--out', join(dir, 'out')]);
    expect(r.code, r.err).toBe(3);
    const reasons = r.err.split('\n').filter((l) => l.startsWith('zonalflow local: error: '));
    expect(reasons.filter((l) => /empty or missing geometry/.test(l))).toHaveLength(10);
    expect(r.err).not.toMatch(/warning: .*empty or missing geometry/);
    expect(reasons).toContain('zonalflow local: error: ... and 2 more (see the "error" column and summary.json)');
    expect(r.err).toMatch(/PARTIAL \(1\/13 features, 12 failed\)/);
  });
});

describe('zonalflow local --include-cols', () => {
  it('overrides the spec\'s input.include: FlatGeobuf attributes and its Long id exact (GDAL\'s reading: test/fixtures/attributes/expected.json)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-local-cli-'));
    const fx = join(import.meta.dirname, '../fixtures/attributes');
    const gdal = (JSON.parse(readFileSync(join(fx, 'expected.json'), 'utf8')) as { files: Record<string, { values: Record<string, string | null>[] }> }).files['attrs.fgb']?.values ?? [];
    const path = join(dir, 'job.json');
    writeFileSync(path, JSON.stringify({ input: { idColumn: 'code' }, rasters: [{ name: 'b', uri: join(fx, 'base.tif') }], stats: ['count'], output: { formats: ['parquet', 'csv'] } }));
    const r = await runCli(['local', '--input', join(fx, 'attrs.fgb'), '--spec', path, '--out', join(dir, 'out'), '--include-cols', 'name,small', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const rows = csvObjects(readFileSync(join(dir, 'out/results.csv'), 'utf8'));
    expect(Object.keys(rows[0] ?? {})).toEqual(['id', 'fid', 'name', 'small', 'b_count', 'error']);
    // CSV neutralises formula-like text with a leading ' (drop it to compare with GDAL's value)
    expect(rows.map((x) => [x.id, x.name?.replace(/^'/, ''), x.small])).toEqual(gdal.map((v) => [v.code ?? '', v.name ?? '', v.small ?? '']));
  });
  it('a column the layer lacks fails at Plan as a usage error (exit 2) naming the user\'s input, not Plan\'s temporary copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-local-cli-'));
    const fx = join(import.meta.dirname, '../fixtures/attributes');
    const path = join(dir, 'job.json');
    writeFileSync(path, JSON.stringify({ input: { idColumn: 'code' }, rasters: [{ name: 'b', uri: join(fx, 'base.tif') }], stats: ['count'], output: { formats: ['csv'] } }));
    const input = join(fx, 'attrs.fgb');
    const r = await runCli(['local', '--input', input, '--spec', path, '--out', join(dir, 'out'), '--include-cols', 'nope', '--quiet']);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(`${input}: `);
    expect(r.err).toContain('"nope"');
    expect(r.err).not.toContain('zonalflow-plan-');
    // summary.json (the one file written: "1 file") says it the same way, never an internal temporary path
    expect(r.err).toMatch(/FAILED; 1 file in /);
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as { error: { message: string } };
    expect(summary.error.message).toMatch(new RegExp(`^${input.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: layer "attrs" has no column "nope" to include`));
    expect(summary.error.message).not.toContain(tmpdir());
  });
  it('Plan names the input by its s3:// object, never by its temporary download (namingInput)', () => {
    const err = new InputError('/tmp/x/zonalflow-plan-ab12/f.gpkg: layer "f" has no column "nope"');
    expect((namingInput(err, '/tmp/x/zonalflow-plan-ab12', '/tmp/x/zonalflow-plan-ab12/f.gpkg', 's3://in/uploads/f.gpkg') as Error).message).toBe('s3://in/uploads/f.gpkg: layer "f" has no column "nope"');
    expect(namingInput(err, '/elsewhere', '/elsewhere/f.gpkg', 's3://in/f.gpkg')).toBe(err);
  });
});
