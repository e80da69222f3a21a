/**
 * A column or layer the input does not have (`--id-column`, `--include-cols`, `--layer`): exit 2 and the
 * one line it always was (the file, what was asked, what there is), ending with the nearest name when one
 * differs only by letter case or by a typo (at most 2 edits, fewer than half the name), for every input format.
 * The expected names are read off the fixtures' columns (ogrinfo: ID_1, NAME_1, ID_2, NAME_2, AREA, POP).
 * Also: a value not among a spec field's choices (`--coverage all-touched`), and an `--out` without a suffix.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';
import { didYouMean, nearestNames } from '../../../shared/nearest';
import { nearestStats } from '../../../shared/stats/names';

const dir = mkdtempSync(join(tmpdir(), 'zf-did-you-mean-'));
const gpkg = join(import.meta.dirname, '../../../examples/lux_cantons_2169.gpkg');
const raster = join(import.meta.dirname, '../../../examples/elev.cog.tif');
const FORMATS = join(import.meta.dirname, '../../fixtures/formats');
const COLUMNS = 'ID_1, NAME_1, ID_2, NAME_2, AREA, POP';

async function line(input: string, ...more: string[]): Promise<{ code: number; lines: string[] }> {
  const { code, err } = await runCli(['stats', '--input', input, '--raster', raster, '--out', join(dir, `${Math.random()}.csv`), '--quiet', ...more]);
  return { code, lines: err.trim().split('\n') };
}

describe('nearestNames: one rule for statistics, columns and layers', () => {
  it('letter case is no edit; at most 2 edits and fewer than half the name; ties all; each candidate once, as spelled', () => {
    expect(nearestNames('id_2', ['ID_1', 'ID_2', 'NAME_2'])).toEqual(['ID_2']);
    expect(nearestNames('ID2', ['ID_1', 'ID_2'])).toEqual(['ID_2']); // ID_1 is 2 edits away, ID_2 one
    expect(nearestNames('Field_Code', ['field_code', 'FIELD_CODE', 'field_code'])).toEqual(['field_code', 'FIELD_CODE']);
    expect(nearestNames('pop', ['POP', 'AREA'])).toEqual(['POP']);
    expect(nearestNames('id', ['fid'])).toEqual([]); // 1 edit in 2 letters: not fewer than half
    expect(nearestNames('nope', ['ID_1', 'NAME_1'])).toEqual([]);
    expect(nearestNames('x', [])).toEqual([]);
    // the statistics' suggestions are the same rule over the statistic names
    expect(nearestStats('medain')).toEqual(nearestNames('medain', ['mean', 'median']));
  });
  it('didYouMean ends a line: quoted names (a column may hold spaces), or nothing', () => {
    expect(didYouMean('crop type', ['Crop Type', 'area'])).toBe('; did you mean "Crop Type"?');
    expect(didYouMean('ab', ['AB', 'Ab'])).toBe('; did you mean "AB" or "Ab"?');
    expect(didYouMean('zzz', ['AB'])).toBe('');
  });
});

describe('zonalflow stats: a missing column or layer suggests the near one', () => {
  it('GeoPackage: --id-column id_2 / ID2, --include-cols name_2, --layer lux_canton', async () => {
    const ids = await line(gpkg, '--id-column', 'id_2');
    expect(ids.code).toBe(2);
    expect(ids.lines).toEqual([`zonalflow: error [INPUT_INVALID]: ${gpkg}: layer "lux_cantons" has no column "id_2" for the ids (columns: fid, ${COLUMNS}); did you mean "ID_2"?`]);
    expect((await line(gpkg, '--id-column', 'ID2')).lines[0]).toMatch(/has no column "ID2" for the ids \(columns: [^)]*\); did you mean "ID_2"\?$/);
    const inc = await line(gpkg, '--include-cols', 'ID_2,name_2');
    expect(inc.code).toBe(2);
    expect(inc.lines).toEqual([`zonalflow: error [INPUT_INVALID]: ${gpkg}: layer "lux_cantons" has no column "name_2" to include (columns: ${COLUMNS}); did you mean "NAME_2"?`]);
    const layer = await line(gpkg, '--layer', 'lux_canton');
    expect(layer.code).toBe(2);
    expect(layer.lines).toEqual([`zonalflow: error [INPUT_INVALID]: ${gpkg} has no layer "lux_canton" (layers: lux_cantons); did you mean "lux_cantons"?`]);
  });
  it('FlatGeobuf, GeoJSON, GeoParquet and Shapefile: the same line', async () => {
    for (const file of ['lux_cantons_2169.fgb', 'lux_cantons_2169.geojson', 'lux_cantons_2169.parquet', 'shp/lux_cantons_2169.shp']) {
      const input = join(FORMATS, file);
      const ids = await line(input, '--id-column', 'id_2');
      expect(ids.code, file).toBe(2);
      expect(ids.lines, file).toEqual([`zonalflow: error [INPUT_INVALID]: ${input}: layer "lux_cantons_2169" has no column "id_2" for the ids (columns: ${COLUMNS}); did you mean "ID_2"?`]);
      const inc = await line(input, '--include-cols', 'Area');
      expect(inc.code, file).toBe(2);
      expect(inc.lines[0], file).toMatch(/has no column "Area" to include \(columns: [^)]*\); did you mean "AREA"\?$/);
    }
  });
  it('a zipped Shapefile\'s --layer, and no suggestion when nothing is near: the line as it was', async () => {
    const zip = join(FORMATS, 'lux_cantons_2169.shp.zip');
    const layer = await line(zip, '--layer', 'lux_cantons_2196');
    expect(layer.code).toBe(2);
    expect(layer.lines).toEqual([`zonalflow: error [INPUT_INVALID]: ${zip} has no shapefile "lux_cantons_2196" (shapefiles: lux_cantons_2169); did you mean "lux_cantons_2169"?`]);
    const none = await line(gpkg, '--id-column', 'field_id');
    expect(none.code).toBe(2);
    expect(none.lines).toEqual([`zonalflow: error [INPUT_INVALID]: ${gpkg}: layer "lux_cantons" has no column "field_id" for the ids (columns: fid, ${COLUMNS})`]);
  });
});

describe('a value that is not one of a field\'s choices suggests the near one (shared/spec-issues.ts, every enum of the spec)', () => {
  it('--coverage all-touched / ALL_TOUCHED -> all_touched, --coverage-weight fractoin -> fraction; nothing near: the line as it was', async () => {
    const dash = await line(gpkg, '--coverage', 'all-touched');
    expect(dash.code).toBe(2);
    expect(dash.lines).toEqual(['zonalflow: error [SPEC_INVALID]: --coverage: "all-touched" is not one of exact, center, all_touched; did you mean "all_touched"?']);
    expect((await line(gpkg, '--coverage', 'ALL_TOUCHED')).lines[0]).toMatch(/; did you mean "all_touched"\?$/);
    expect((await line(gpkg, '--coverage-weight', 'fractoin')).lines).toEqual(['zonalflow: error [SPEC_INVALID]: --coverage-weight: "fractoin" is not one of fraction, none, area_cartesian, area_spherical_m2, area_spherical_km2; did you mean "fraction"?']);
    expect((await line(gpkg, '--coverage', 'sideways')).lines).toEqual(['zonalflow: error [SPEC_INVALID]: --coverage: "sideways" is not one of exact, center, all_touched']);
  });
  it('a spec\'s own field says it the same way', async () => {
    const spec = join(dir, 'coverage.json');
    writeFileSync(spec, JSON.stringify({ rasters: [{ uri: raster }], coverage: 'centre' }));
    const r = await runCli(['stats', '--input', gpkg, '--spec', spec, '--out', join(dir, 'never.csv'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`zonalflow: error [SPEC_INVALID]: invalid job spec ${spec}: coverage: "centre" is not one of exact, center, all_touched; did you mean "center"?`);
  });
});

describe('zonalflow stats --out without a suffix', () => {
  it('says the name has no suffix and lists the accepted ones (exit 2, nothing computed)', async () => {
    const out = join(dir, 'e7b');
    const r = await runCli(['stats', '--input', gpkg, '--raster', raster, '--out', out, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`zonalflow: error [SPEC_INVALID]: --out ${out}: has no suffix to say the output format; end it with .csv, .parquet, .json, .gpkg (GeoPackage) or .fgb (FlatGeobuf)`);
    expect(existsSync(out)).toBe(false);
    expect((await runCli(['stats', '--input', gpkg, '--raster', raster, '--out', `${out}.txt`, '--quiet'])).err.trim()).toMatch(/--out .*e7b\.txt: unknown output format "\.txt"; use \.csv, /);
  });
});
