/**
 * `zonalflow estimate` and `run --dry-run` refuse what the job refuses, with the job's own line: an `input.idColumn`
 * or `input.include` column the layer lacks, an included attribute named like a statistic column, a layer CRS PROJ
 * cannot use, an unknown statistic. Each spec is also given to `stats`, whose line
 * (the job's check) the estimate's must equal; exit 2 and no estimate printed. What only Plan refuses (two features
 * with one fid, more batches than Collect merges) is given to `local`, whose Plan's line the estimate's must equal.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';
import { writeGeoPackage } from '../../helpers/gpkg-writer';
import type { Polygon } from '../../../shared/geometry/types';

const dir = mkdtempSync(join(tmpdir(), 'zf-estimate-checks-'));
const gpkg = join(import.meta.dirname, '../../../examples/lux_cantons_2169.gpkg');
const raster = join(import.meta.dirname, '../../../examples/elev.cog.tif');

function spec(name: string, extra: Record<string, unknown>): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ rasters: [{ name: 'elev', uri: raster }], stats: ['mean'], ...extra }));
  return path;
}

const CASES: [string, Record<string, unknown>, RegExp][] = [
  ['id', { input: { idColumn: 'nope' } }, /layer "lux_cantons" has no column "nope" for the ids/],
  ['id-near', { input: { idColumn: 'idd_2' } }, /has no column "idd_2" for the ids .*did you mean "ID_2"\?/],
  ['include', { input: { include: ['zzz'] } }, /layer "lux_cantons" has no column "zzz" to include/],
  ['stat', { stats: ['meen'] }, /unknown statistic "meen" \(did you mean mean\?\)/],
];

describe('estimate and run --dry-run check the spec against the input as the job does', () => {
  it.each(CASES)('%s: exit 2 with the line stats gives, nothing estimated', async (name, extra, expected) => {
    const file = spec(name, extra);
    const stats = await runCli(['stats', '--input', gpkg, '--spec', file, '--out', join(dir, `${name}.csv`), '--quiet']);
    expect(stats.code).toBe(2);
    expect(stats.err).toMatch(expected);
    for (const argv of [['estimate', '--input', gpkg, '--spec', file], ['run', '--dry-run', '--input', gpkg, '--spec', file]]) {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toBe(stats.err);
    }
  }, 60_000);

  // a square in Luxembourg (EPSG:2169, over examples/elev.cog.tif)
  const square: Polygon = { type: 'Polygon', coordinates: [[[76000, 75000], [77000, 75000], [77000, 76000], [76000, 76000], [76000, 75000]]] };
  it.each([
    // an attribute with the name of a statistic column (elev + mean): SPEC_INVALID, exit 2
    ['clash', 2169, undefined, { input: { include: ['elev_mean'] } }, 2, /^zonalflow: error \[SPEC_INVALID\]: input.include \(--include-cols\): the attribute "elev_mean" has the name of a statistic column; rename the raster/],
    // a layer CRS whose WKT PROJ cannot parse: CRS_UNRESOLVED naming the file and the layer, on one line, exit 1
    ['badcrs', 990001, 'PROJCS["nonsense",GEOGCS["x",DATUM["y",SPHEROID["z",0,0]]],PROJECTION["No_Such_Projection"],UNIT["metre",1]]', {}, 1, /^zonalflow: error \[CRS_UNRESOLVED\]: .*badcrs\.gpkg: layer "l": cannot use the CRS srs 990001: Parsing error : syntax error, unexpected '\]', expecting ',', near ",GEOGCS\["x",DATUM\["y",SPHEROID\["z",0,0\]\]\]"\n$/],
  ] as const)('%s: the line and exit code stats gives, nothing estimated', async (name, srsId, srsWkt, extra, code, expected) => {
    const input = join(dir, `${name}.gpkg`);
    writeGeoPackage(input, [{ name: 'l', srsId, ...(srsWkt ? { srsWkt } : {}), columns: { elev_mean: 'REAL' }, features: [{ geometry: square, properties: { elev_mean: 1 } }] }]);
    const file = spec(name, extra);
    const stats = await runCli(['stats', '--input', input, '--spec', file, '--out', join(dir, `${name}.csv`), '--quiet']);
    expect(stats.code).toBe(code);
    expect(stats.err).toMatch(expected);
    for (const argv of [['estimate', '--input', input, '--spec', file], ['run', '--dry-run', '--input', input, '--spec', file]]) {
      const r = await runCli(argv);
      expect([r.code, r.out, r.err]).toEqual([code, '', stats.err]);
    }
  }, 60_000);

  it('two features with one fid (a GeoJSON\'s repeated ids): estimate refuses the layer with Plan\'s line, INPUT_INVALID, exit 2, as local does', async () => {
    // three squares in Luxembourg (EPSG:4326), the first and the last with id 7: GDAL reads them as fid 7 twice
    const sq = (x: number): number[][][] => [[[x, 49.6], [x + 0.01, 49.6], [x + 0.01, 49.61], [x, 49.61], [x, 49.6]]];
    const input = join(dir, 'dupid.geojson');
    writeFileSync(input, JSON.stringify({ type: 'FeatureCollection', name: 'dup', features: [7, 8, 7].map((id, i) => ({ type: 'Feature', id, properties: { name: `f${i}` }, geometry: { type: 'Polygon', coordinates: sq(6.0 + i * 0.05) } })) }));
    const file = spec('dupid', { input: { idColumn: 'name' } });
    const line = 'dupid.geojson: layer "dup" has two features with fid 7; local and AWS jobs merge and de-duplicate results by fid, so fids must be unique';
    for (const argv of [['estimate', '--input', input, '--spec', file], ['run', '--dry-run', '--input', input, '--spec', file]]) {
      const r = await runCli(argv);
      expect([r.code, r.out]).toEqual([2, '']);
      expect(r.err).toMatch(/^zonalflow: error \[INPUT_INVALID\]: /);
      expect(r.err).toContain(line);
    }
    // the job itself: Plan refuses it with an input error (InputError in summary.json), exit 2 as the table says
    const out = join(dir, 'dupid-local');
    const local = await runCli(['local', '--input', input, '--spec', file, '--out', out, '--quiet']);
    expect(local.code).toBe(2);
    expect(local.err).toContain(line);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { error: { code: string; message: string } };
    expect(summary.error.code).toBe('InputError');
    expect(summary.error.message).toContain(line);
    // the same ids numbered apart: every feature counted
    writeFileSync(input, readFileSync(input, 'utf8').replace(/"id":7,(?!.*"id":7)/, '"id":9,'));
    const ok = await runCli(['estimate', '--input', input, '--spec', file]);
    expect([ok.code, ok.err]).toEqual([0, '']);
    expect(ok.out).toMatch(/features\s+3\n/);
  }, 60_000);

  it('more batches than Collect merges in its 15 minutes: estimate refuses the job with Plan\'s line (LIMIT_EXCEEDED, exit 1), as local does', async () => {
    // 52,300 points in Luxembourg, one a batch (batching.maxFeatures 1): Collect's model (collect-budget.ts) gives
    // (52,300 x 8.4 us + 52,300 x 13.7 ms) x 415/330 = 902 s, over the 900 s; two a batch, 451 s
    const n = 52_300;
    const input = join(dir, 'many.geojson');
    const features = Array.from({ length: n }, (_, i) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [5.9 + (i % 230) * 0.002, 49.5 + Math.floor(i / 230) * 0.002] } }));
    writeFileSync(input, JSON.stringify({ type: 'FeatureCollection', name: 'many', features }));
    const file = spec('collect', { batching: { grid: 'h3', maxFeatures: 1 } });
    const out = join(dir, 'collect-local');
    const local = await runCli(['local', '--input', input, '--spec', file, '--out', out, '--quiet']);
    expect(local.code).toBe(1);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { error: { code: string; message: string } };
    expect(summary.error.code).toBe('LimitError');
    const line = 'the job would have 52300 result rows in 52300 batches: Collect would take about 902 s (measured cost: 8.4 us a row + 13.7 ms a part), over a Lambda\'s 900 s: split the input or use larger batches (batching.maxFeatures)';
    expect(summary.error.message).toContain(line);
    for (const argv of [['estimate', '--input', input, '--spec', file], ['run', '--dry-run', '--input', input, '--spec', file]]) {
      const r = await runCli(argv);
      expect([r.code, r.out, r.err]).toEqual([1, '', `zonalflow: error [LIMIT_EXCEEDED]: ${line}\n`]);
    }
    // two features a batch: within Collect's 900 s, estimated
    const ok = await runCli(['estimate', '--json', '--input', input, '--spec', spec('collect2', { batching: { grid: 'h3', maxFeatures: 2 } })]);
    expect(ok.code, ok.err).toBe(0);
    expect((JSON.parse(ok.out) as { estimate: { features: number; batches: number } }).estimate).toMatchObject({ features: n, batches: n / 2 });
  }, 300_000);

  it('a spec the input satisfies is still estimated (exit 0)', async () => {
    const r = await runCli(['estimate', '--input', gpkg, '--spec', spec('ok', { input: { idColumn: 'ID_2', include: ['NAME_2'] } })]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/features\s+12\n/);
  }, 60_000);
});

describe('estimate --allow-host', () => {
  it('lets a raster on one\'s own loopback server through the allow-list, as stats and local do (the refusal names the option)', async () => {
    // port 1: nothing listens there, so an allowed host fails connecting, a refused one before any connection
    const path = join(dir, 'loopback.json');
    writeFileSync(path, JSON.stringify({ rasters: [{ name: 'elev', uri: 'http://127.0.0.1:1/elev.tif' }], stats: ['mean'] }));
    const refused = await runCli(['estimate', '--input', gpkg, '--spec', path]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/--allow-host/);
    const allowed = await runCli(['estimate', '--input', gpkg, '--spec', path, '--allow-host', '127.0.0.1']);
    expect(allowed.err).not.toMatch(/unknown option/);
    expect(allowed.err).not.toMatch(/URI_NOT_ALLOWED/);
    expect(allowed.err).toMatch(/127\.0\.0\.1:1/);
  }, 60_000);
});
