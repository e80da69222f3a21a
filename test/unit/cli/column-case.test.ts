/**
 * `--id-column` / `--include-cols` (spec `input.idColumn` / `input.include`) find a column as GDAL finds a field
 * (OGRFeatureDefn::GetFieldIndex): the name spelled so, else the one that differs from it only by letter case.
 *
 * The oracle (test/fixtures/column-case/make.sh: GDAL 3.6.2, exactextract 0.3.1-dev; a GeoPackage whose columns are
 * ID_2 and Name_2, over examples/elev.cog.tif):
 * - `exactextract -f id_2 --include-col name_2 -s mean` reads ID_2 and Name_2 and writes the header
 *   `id_2,name_2,mean` (the names as asked), rows `"10",n0,308.388888888889` and `"11",n1,301.805555555556`
 *   (expected_exactextract_asked.csv); with `-f ID_2 --include-col Name_2` the same values under `ID_2,Name_2,mean`.
 * - `ogr2ogr -select id_2,name_2` reads them too (and writes the input's spelling, ID_2,Name_2).
 * - two fields differing only by case (amb.geojson: Code = "a", CODE = "b"): `-f CODE` takes CODE ("b": the exact
 *   name wins); `-f code` silently takes the first, Code ("a"). zonalflow refuses that one with a line naming both.
 * So zonalflow reads `id_2` as ID_2 and names an included column as the user spelled it, as exactextract does
 * (the `id` column is always `id`). A name no column has in any case still ends with "did you mean".
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv, runCli } from '../../cases/run-cli';

const FIXTURES = join(import.meta.dirname, '../../fixtures/column-case');
const FORMATS = join(import.meta.dirname, '../../fixtures/formats');
const raster = join(import.meta.dirname, '../../../examples/elev.cog.tif');
const cantons = join(import.meta.dirname, '../../../examples/lux_cantons_2169.gpkg');
const dir = mkdtempSync(join(tmpdir(), 'zf-column-case-'));

function csv(path: string): string[][] {
  return parseCsv(readFileSync(path, 'utf8'));
}

describe('a column asked in another letter case is the input\'s column (GDAL, exactextract)', () => {
  const gpkg = join(FIXTURES, 'case.gpkg');
  const expected = csv(join(FIXTURES, 'expected_exactextract_asked.csv'));

  it('stats --id-column id_2 --include-cols name_2: the ids and values exactextract gives, the column named name_2', async () => {
    const out = join(dir, 'asked.csv');
    const r = await runCli(['stats', '--input', gpkg, '--raster', raster, '--id-column', 'id_2', '--include-cols', 'name_2', '--stats', 'mean', '--out', out, '--quiet']);
    expect([r.code, r.err]).toEqual([0, expect.stringMatching(/^zonalflow: 2 features \(2 computed, 0 failed\)/)]);
    const rows = csv(out);
    expect(expected[0]).toEqual(['id_2', 'name_2', 'mean']);
    expect(rows[0]).toEqual(['id', 'fid', 'name_2', 'elev_mean', 'error']);
    expect(rows.length).toBe(expected.length);
    for (const [k, e] of expected.slice(1).entries()) {
      const row = rows[k + 1] ?? [];
      expect([row[0], row[2], row[4]]).toEqual([e[0], e[1], '']);
      expect(Number(row[3])).toBeCloseTo(Number(e[2]), 9);
    }
  }, 60_000);

  it('local, estimate and run --dry-run take the spec\'s input.idColumn "id_2" and input.include ["name_2"] alike', async () => {
    const spec = join(dir, 'asked.json');
    writeFileSync(spec, JSON.stringify({ input: { idColumn: 'id_2', include: ['name_2'] }, rasters: [{ name: 'elev', uri: raster }], stats: ['mean'], output: { formats: ['csv'] } }));
    for (const argv of [['estimate', '--input', gpkg, '--spec', spec], ['run', '--dry-run', '--input', gpkg, '--spec', spec]]) {
      const r = await runCli(argv);
      expect([r.code, r.err], argv[0]).toEqual([0, '']);
      expect(r.out).toMatch(/features\s+2\n/);
    }
    const out = join(dir, 'local');
    const local = await runCli(['local', '--input', gpkg, '--spec', spec, '--out', out, '--quiet']);
    expect(local.code, local.err).toBe(0);
    const rows = csv(join(out, 'results.csv'));
    expect(rows.map((row) => row.slice(0, 3))).toEqual([['id', 'fid', 'name_2'], ['10', '1', 'n0'], ['11', '2', 'n1']]);
  }, 120_000);

  it('every input format: id_2, name_2 and area read ID_2, NAME_2 and AREA; the rows are those of the exact names', async () => {
    const inputs = [cantons, ...['lux_cantons_2169.fgb', 'lux_cantons_2169.geojson', 'lux_cantons_2169_seq.geojsonl', 'lux_cantons_2169.parquet', 'shp/lux_cantons_2169.shp', 'lux_cantons_2169.shp.zip'].map((f) => join(FORMATS, f))];
    for (const [k, input] of inputs.entries()) {
      const run = async (id: string, include: string, name: string): Promise<string[][]> => {
        const out = join(dir, `${name}-${k}.csv`);
        const r = await runCli(['stats', '--input', input, '--raster', raster, '--id-column', id, '--include-cols', include, '--stats', 'count,mean', '--out', out, '--quiet']);
        expect(r.code, `${input}: ${r.err}`).toBe(0);
        return csv(out);
      };
      const exact = await run('ID_2', 'NAME_2,AREA', 'exact');
      const other = await run('id_2', 'name_2,area', 'other');
      expect(other[0], input).toEqual(['id', 'fid', 'name_2', 'area', 'elev_count', 'elev_mean', 'error']);
      expect(other.slice(1), input).toEqual(exact.slice(1));
      expect(other.length, input).toBe(13);
    }
  }, 120_000);
});

describe('several columns differ from the name only by letter case: refused, naming them; the exact name wins', () => {
  const amb = join(FIXTURES, 'amb.geojson');
  it('--id-column code (Code and CODE): exit 2, one line naming both; --include-cols cOdE the same', async () => {
    const ids = await runCli(['stats', '--input', amb, '--raster', raster, '--id-column', 'code', '--out', join(dir, 'amb.csv'), '--quiet']);
    expect([ids.code, ids.err]).toEqual([2, `zonalflow: error [INPUT_INVALID]: ${amb}: layer "amb" has no column "code" for the ids but 2 that differ from it only by letter case, "Code" and "CODE": give one as it is spelled\n`]);
    const inc = await runCli(['stats', '--input', amb, '--raster', raster, '--include-cols', 'cOdE', '--out', join(dir, 'amb.csv'), '--quiet']);
    expect([inc.code, inc.err]).toEqual([2, `zonalflow: error [INPUT_INVALID]: ${amb}: layer "amb" has no column "cOdE" to include but 2 that differ from it only by letter case, "Code" and "CODE": give one as it is spelled\n`]);
  }, 60_000);
  it('--id-column CODE takes CODE ("b", as exactextract -f CODE), --include-cols Code takes Code ("a")', async () => {
    const out = join(dir, 'exact.csv');
    const r = await runCli(['stats', '--input', amb, '--raster', raster, '--id-column', 'CODE', '--include-cols', 'Code', '--stats', 'mean', '--out', out, '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(csv(out).map((row) => row.slice(0, 3))).toEqual([['id', 'fid', 'Code'], ['b', '0', 'a']]);
    expect(csv(join(FIXTURES, 'expected_exactextract_amb_exact.csv'))[1]?.[0]).toBe('b');
  }, 60_000);
  it('two names of one column (--include-cols NAME_2,name_2): refused, as a column given twice', async () => {
    const r = await runCli(['stats', '--input', cantons, '--raster', raster, '--include-cols', 'NAME_2,name_2', '--out', join(dir, 'twice.csv'), '--quiet']);
    expect([r.code, r.err]).toEqual([2, 'zonalflow: error [SPEC_INVALID]: input.include (--include-cols): "NAME_2" and "name_2" both name the column "NAME_2"\n']);
  }, 60_000);
});
