/**
 * A column or layer the input does not have (`--id-column`, `--include-cols`, `--layer`): exit 2 and the
 * one line it always was (the file, what was asked, what there is), ending with the nearest name when one
 * is a typo away (at most 2 edits, a swap of neighbouring letters one; fewer than half the name; letter case is no
 * edit), for every input format.
 * A name that differs from a column only by letter case is that column (column-case.test.ts), as in GDAL.
 * The expected names are read off the fixtures' columns (ogrinfo: ID_1, NAME_1, ID_2, NAME_2, AREA, POP).
 * Also: a value not among a spec field's choices (`--coverage all-touched`), and an `--out` without a suffix.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';
import { didYouMean, listNames, MAX_COMPARED, nearestNames } from '../../../shared/nearest';
import { collectionName } from '../../../shared/features/source.geojson';
import { fileStem, findLayer, missingColumn, missingLayer } from '../../../shared/features/missing-name';
import { nearestStats } from '../../../shared/stats/names';

const dir = mkdtempSync(join(tmpdir(), 'zf-did-you-mean-'));
const gpkg = join(import.meta.dirname, '../../../examples/lux_cantons_2169.gpkg');
const raster = join(import.meta.dirname, '../../../examples/elev.cog.tif');
const FORMATS = join(import.meta.dirname, '../../fixtures/formats');
const COLUMNS = 'ID_1, NAME_1, ID_2, NAME_2, AREA, POP';
/**
 * The layer name GDAL gives each fixture (ogrinfo, test/fixtures/formats/layers.sh); GeoParquet's, which GDAL 3.6
 * here cannot read, is its driver's rule for every file that does not name its layer: the file name without its suffix.
 */
const GDAL_LAYERS: Record<string, string> = { ...(JSON.parse(readFileSync(join(FORMATS, 'layers.json'), 'utf8')) as Record<string, string>), 'lux_cantons_2169.parquet': 'lux_cantons_2169' };

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
    // a swap of two neighbouring letters is one edit (Damerau-Levenshtein): a 4-letter name swapped is still near
    expect(nearestNames('nmae', ['Name', 'Area_Ha'])).toEqual(['Name']);
    expect(nearestNames('medain', ['mean', 'median'])).toEqual(['median']);
    // names past MAX_COMPARED characters are not compared (the distance is quadratic in their lengths)
    expect(nearestNames('a'.repeat(MAX_COMPARED + 1), ['a'.repeat(MAX_COMPARED)])).toEqual([]);
    expect(nearestNames('b'.repeat(MAX_COMPARED), ['b'.repeat(MAX_COMPARED + 1), 'b'.repeat(MAX_COMPARED - 1)])).toEqual(['b'.repeat(MAX_COMPARED - 1)]);
    // the statistics' suggestions are the same rule over the statistic names
    expect(nearestStats('medain')).toEqual(nearestNames('medain', ['mean', 'median']));
  });
  it('didYouMean ends a line: quoted names (a column may hold spaces), or nothing', () => {
    expect(didYouMean('crop type', ['Crop Type', 'area'])).toBe('; did you mean "Crop Type"?');
    expect(didYouMean('ab', ['AB', 'Ab'])).toBe('; did you mean "AB" or "Ab"?');
    expect(didYouMean('zzz', ['AB'])).toBe('');
  });
});

describe('a wide input: the line lists 20 names, then "... and N more", and still suggests the near one', () => {
  const wide = Array.from({ length: 5000 }, (_, i) => `band_${i}`);
  it('listNames: as given up to 20, else the first 20 and the count of the rest; none for none', () => {
    expect(listNames(['a', 'b'])).toBe('a, b');
    expect(listNames(wide.slice(0, 20))).toBe(wide.slice(0, 20).join(', '));
    expect(listNames(wide.slice(0, 21))).toBe(`${wide.slice(0, 20).join(', ')}, ... and 1 more`);
    expect(listNames([])).toBe('none');
  });
  it('--id-column / --include-cols / --layer on 5000 names: one short line ending with the near name', () => {
    const first = wide.slice(0, 20).join(', ');
    expect(missingColumn('w.gpkg', 'w', 'band_4999x', wide, 'ids').message).toBe(`w.gpkg: layer "w" has no column "band_4999x" for the ids (columns: ${first}, ... and 4980 more); did you mean "band_4999"?`);
    expect(missingColumn('w.gpkg', 'w', 'nope', wide, 'include').message).toBe(`w.gpkg: layer "w" has no column "nope" to include (columns: ${first}, ... and 4980 more)`);
    expect(missingLayer('w.gpkg', 'band_12x', wide).message).toBe(`w.gpkg has no layer "band_12x" (layers: ${first}, ... and 4980 more); did you mean "band_12" or "band_120" or "band_121" or "band_122" or "band_123" (or 6 more as near)?`);
  });
});

describe('zonalflow stats: a missing column or layer suggests the near one', () => {
  it('GeoPackage: --id-column idd_2 / ID2, --include-cols nam_2, --layer lux_canton', async () => {
    const ids = await line(gpkg, '--id-column', 'idd_2');
    expect(ids.code).toBe(2);
    expect(ids.lines).toEqual([`zonalflow: error [INPUT_INVALID]: ${gpkg}: layer "lux_cantons" has no column "idd_2" for the ids (columns: fid, ${COLUMNS}); did you mean "ID_2"?`]);
    expect((await line(gpkg, '--id-column', 'ID2')).lines[0]).toMatch(/has no column "ID2" for the ids \(columns: [^)]*\); did you mean "ID_2"\?$/);
    const inc = await line(gpkg, '--include-cols', 'ID_2,nam_2');
    expect(inc.code).toBe(2);
    expect(inc.lines).toEqual([`zonalflow: error [INPUT_INVALID]: ${gpkg}: layer "lux_cantons" has no column "nam_2" to include (columns: ${COLUMNS}); did you mean "NAME_2"?`]);
    expect((await line(gpkg, '--layer', 'LUX_CANTONS')).code).toBe(0); // letter case free, as GDAL (ogr2ogr out.csv in.gpkg LUX_CANTONS)
    const layer = await line(gpkg, '--layer', 'lux_canton');
    expect(layer.code).toBe(2);
    expect(layer.lines).toEqual([`zonalflow: error [INPUT_INVALID]: ${gpkg} has no layer "lux_canton" (layers: lux_cantons); did you mean "lux_cantons"?`]);
  });
  it('FlatGeobuf, GeoJSON, GeoParquet and Shapefile: the same line, naming the layer as GDAL does', async () => {
    for (const file of ['lux_cantons_2169.fgb', 'lux_cantons_2169.geojson', 'lux_cantons_2169.parquet', 'shp/lux_cantons_2169.shp']) {
      const input = join(FORMATS, file);
      const ids = await line(input, '--id-column', 'idd_2');
      expect(ids.code, file).toBe(2);
      expect(ids.lines, file).toEqual([`zonalflow: error [INPUT_INVALID]: ${input}: layer "${GDAL_LAYERS[file]}" has no column "idd_2" for the ids (columns: ${COLUMNS}); did you mean "ID_2"?`]);
      const inc = await line(input, '--include-cols', 'Areas');
      expect(inc.code, file).toBe(2);
      expect(inc.lines[0], file).toMatch(/has no column "Areas" to include \(columns: [^)]*\); did you mean "AREA"\?$/);
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

describe('--layer of a format that holds one layer: its name as GDAL gives it, else exit 2 (it was ignored)', () => {
  const ONE_LAYER = ['lux_cantons_2169.fgb', 'lux_cantons_2169.geojson', 'lux_cantons_2169_seq.geojsonl', 'lux_cantons_2169.parquet', 'shp/lux_cantons_2169.shp', 'lux_cantons_2169.shp.zip'];
  it('GDAL\'s name is accepted, in any letter case (GDAL\'s GetLayerByName); another is refused naming the one there is, with the near one', async () => {
    for (const file of ONE_LAYER) {
      const input = join(FORMATS, file);
      const name = GDAL_LAYERS[file] as string;
      expect((await line(input, '--layer', name)).code, `${file} ${name}`).toBe(0);
      expect((await line(input, '--layer', name.toUpperCase())).code, `${file} ${name.toUpperCase()}`).toBe(0);
      const wrong = await line(input, '--layer', 'wronglayer');
      expect(wrong.code, file).toBe(2);
      const zip = file.endsWith('.zip');
      expect(wrong.lines, file).toEqual([`zonalflow: error [INPUT_INVALID]: ${input} has no ${zip ? 'shapefile' : 'layer'} "wronglayer" (${zip ? 'shapefiles' : 'layers'}: ${name})`]);
      const typo = await line(input, '--layer', name.slice(0, -1));
      expect(typo.code, file).toBe(2);
      expect(typo.lines[0], file).toMatch(new RegExp(`; did you mean "${name}"\\?$`));
    }
  });
  it('a FlatGeobuf or GeoJSON that names its layer: the file stem is not its name (ogr2ogr fails on it too); a GeoJSON without "name": the stem is', async () => {
    for (const file of ['lux_cantons_2169.fgb', 'lux_cantons_2169.geojson']) {
      const r = await line(join(FORMATS, file), '--layer', 'lux_cantons_2169');
      expect(r.code, file).toBe(2);
      expect(r.lines[0], file).toContain('has no layer "lux_cantons_2169" (layers: lux_cantons)');
    }
    const doc = JSON.parse(readFileSync(join(FORMATS, 'lux_cantons_2169.geojson'), 'utf8')) as Record<string, unknown>;
    delete doc.name;
    const noname = join(dir, 'lux_cantons_2169_noname.geojson');
    writeFileSync(noname, JSON.stringify(doc));
    expect((await line(noname, '--layer', GDAL_LAYERS['lux_cantons_2169_noname.geojson'] as string)).code).toBe(0);
    expect((await line(noname, '--layer', 'lux_cantons')).lines[0]).toContain(`has no layer "lux_cantons" (layers: ${GDAL_LAYERS['lux_cantons_2169_noname.geojson']})`);
  });
  it('the rules: a FeatureCollection\'s top-level "name" only (not a named crs\'s, not a feature\'s), wherever it is (ogrinfo: test/fixtures/geojson-crs); the stem without the last suffix; exact before letter case', () => {
    expect(collectionName('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2169"}},"name":"fields","features":[]}')).toBe('fields');
    expect(collectionName('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2169"}},"features":[{"properties":{"name":"a"}}],"name":"late"}')).toBe('late');
    expect(collectionName('{"type":"FeatureCollection","name":5,"features":[]}')).toBeNull();
    expect(collectionName('{ "name" : "with \\"quotes\\"", "features": [] }')).toBe('with "quotes"');
    expect(collectionName('{"type":"FeatureCollection","features":[]}')).toBeNull();
    expect(fileStem('/data/my.fields.geojson')).toBe('my.fields');
    expect(fileStem('C:\\data\\fields.shp')).toBe('fields');
    expect(fileStem('fields')).toBe('fields');
    expect(findLayer('Fields', ['FIELDS', 'Fields'])).toBe('Fields');
    expect(findLayer('fields', ['FIELDS', 'Fields'])).toBe('FIELDS');
    expect(findLayer('field', ['fields'])).toBeUndefined();
  });
});
