/**
 * `zonalflow estimate` (and `run --dry-run`) gives the warnings `zonalflow stats` gives for the same input, spec and
 * rasters, as far as no pixel is read: a raster or a layer without a CRS (the zonal engine's, as it is built), most
 * features touching no raster (a job whose rows would all be empty), NULL ids, included values that do not fit their
 * column, repeated ids. Each case is run through `stats` first: its `zonalflow: warning:` lines are the expected
 * ones, printed by estimate on stderr one per line as stats prints them, and listed in `--json`'s `warnings`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';
import { writeGeoPackage } from '../../helpers/gpkg-writer';
import type { Polygon } from '../../../shared/geometry/types';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const dir = mkdtempSync(join(tmpdir(), 'zf-estimate-warnings-'));

function spec(name: string, body: Record<string, unknown>): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ stats: ['mean'], ...body }));
  return path;
}

/** The `zonalflow: warning: ` lines of `stats` on this input and spec (the expected lines). */
async function statsWarnings(name: string, input: string, specPath: string): Promise<string[]> {
  const r = await runCli(['stats', '--input', input, '--spec', specPath, '--out', join(dir, `${name}.csv`), '--quiet']);
  expect(r.code, r.err).toBe(0);
  return r.err.split('\n').filter((l) => l.startsWith('zonalflow: warning: '));
}

// a square in Luxembourg (EPSG:2169) over examples/elev.cog.tif
const square = (x: number): Polygon => ({ type: 'Polygon', coordinates: [[[x, 75000], [x + 1000, 75000], [x + 1000, 76000], [x, 76000], [x, 75000]]] });
const ids = join(dir, 'ids.gpkg');
writeGeoPackage(ids, [{
  name: 'l', srsId: 2169, columns: { code: 'TEXT', n: 'INTEGER' },
  // code: NULL once, "a" three times; n: a text where the column is INTEGER (does not fit)
  features: [['a', 1], [null, 2], ['a', 3], ['b', 'x'], ['a', 5]].map(([code, n], i) => ({ geometry: square(76000 + 2000 * i), properties: { code: code ?? null, n: n ?? null } })),
}]);

const CASES: [string, string, Record<string, unknown>, RegExp[]][] = [
  ['raster without a CRS', join(FIXTURES, 'raster-no-crs/features_32631.gpkg'), { rasters: [{ name: 'g', uri: join(FIXTURES, 'raster-no-crs/nocrs.tif') }] }, [/^zonalflow: warning: the raster g has no CRS \(no GeoKeys; /]],
  ['neither has a CRS', join(FIXTURES, 'raster-no-crs/features_nocrs.gpkg'), { rasters: [{ name: 'g', uri: join(FIXTURES, 'raster-no-crs/nocrs.tif') }] }, [/^zonalflow: warning: neither the layer \(.*\) nor the raster g \(/]],
  // every row would be empty: no feature overlaps the raster
  ['outside every raster', join(FIXTURES, 'no-overlap/same-zone.gpkg'), { rasters: [{ name: 'r', uri: join(FIXTURES, 'no-overlap/raster.tif') }] }, [/^zonalflow: warning: 4 of 4 features \(100 %\) do not intersect any raster: no feature overlaps raster "r": /]],
  ['NULL id, a misfit, repeated ids', ids, { input: { idColumn: 'code', include: ['n'] }, rasters: [{ name: 'elev', uri: join(import.meta.dirname, '../../../examples/elev.cog.tif') }] }, [
    /^zonalflow: warning: 1 feature has a NULL id \(column "code"\): fid 2; /,
    /^zonalflow: warning: 1 value of the included columns \(n integer\) does not fit /,
    /^zonalflow: warning: 2 features have the id of an earlier feature: 1 id repeats \(column "code"\), "a" \(3 features\); /,
  ]],
  ['none', join(import.meta.dirname, '../../../examples/lux_cantons_2169.gpkg'), { rasters: [{ name: 'elev', uri: join(import.meta.dirname, '../../../examples/elev.cog.tif') }] }, []],
];

describe('estimate warns as stats does, before anything starts', () => {
  it.each(CASES)('%s: the lines stats gives, on stderr and in --json\'s warnings', async (name, input, body, expected) => {
    const file = spec(name.replace(/\W+/g, '-'), body);
    const lines = await statsWarnings(name.replace(/\W+/g, '-'), input, file);
    expect(lines.length).toBe(expected.length);
    expected.forEach((re, i) => expect(lines[i]).toMatch(re));
    for (const argv of [['estimate', '--input', input, '--spec', file], ['run', '--dry-run', '--input', input, '--spec', file]]) {
      const r = await runCli(argv);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^zonalflow estimate of /);
      expect(r.err.split('\n').filter((l) => l !== ''), argv[0]).toEqual(lines);
    }
    const json = await runCli(['estimate', '--json', '--input', input, '--spec', file]);
    expect([json.code, json.err]).toEqual([0, '']);
    expect((JSON.parse(json.out) as { warnings: string[] }).warnings).toEqual(lines.map((l) => l.replace(/^zonalflow: warning: /, '')));
  }, 60_000);
});
