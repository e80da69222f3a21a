/**
 * GeoJSON and GeoJSONSeq columns as GDAL reads them: fields from every feature (not the first one only), in GDAL's
 * order, typed over all values, NULL where a feature lacks a property. Expected fields, fids and values: GDAL 3.6.2's
 * reading of each fixture (test/fixtures/geojson-schema/make.py -> expected.json); statistics: the cell value under
 * each point by arithmetic (row * 64 + column). GDAL is not needed to run this test.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openFeatureSource } from '../../../shared/features/open';
import { GeoJsonSchema, fieldKind } from '../../../shared/features/geojson-schema';
import type { OgrField } from '../../../shared/features/geojson-schema';
import { scanGeoJsonFeatures } from '../../../shared/features/geojson-scan';
import type { ScannedFeature } from '../../../shared/features/geojson-scan';
import { runStatsJob } from '../../../shared/engine/stats-job';
import { parseJobSpec } from '../../../shared/spec';
import { readFeatures } from '../../helpers/read-features';

const FX = join(import.meta.dirname, '../../fixtures/geojson-schema');
const BASE = join(import.meta.dirname, '../../fixtures/attributes/base.tif');
interface GdalField { name: string; type: string; subtype: string }
interface Expected { cells: number[]; files: Record<string, { fields: GdalField[]; features: { fid: number; values: Record<string, string | unknown[] | null> }[] }> }
const expected = JSON.parse(readFileSync(join(FX, 'expected.json'), 'utf8')) as Expected;
const allowed = { schemes: ['file' as const], s3Buckets: [], httpsHosts: [] };
const dir = mkdtempSync(join(tmpdir(), 'zf-geojson-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** GDAL's text of a value (GetFieldAsString; lists as their items) -> the value zonalflow must read for that field. */
function valueOf(gdal: string | unknown[] | null, f: GdalField): unknown {
  if (gdal === null) return null;
  if (Array.isArray(gdal)) return gdal; // compared with the JSON array zonalflow writes
  if (f.type === 'Integer' && f.subtype === 'Boolean') return gdal === '1';
  if (f.type === 'Integer' || f.type === 'Integer64') return Number.isSafeInteger(Number(gdal)) ? Number(gdal) : BigInt(gdal);
  if (f.type === 'Real') return Number(gdal);
  if (f.type === 'Date') return gdal.replace(/\//g, '-');
  // GDAL: YYYY/MM/DD HH:MM:SS[+00]; zonalflow: an ISO instant, UTC (an unknown offset read as UTC)
  if (f.type === 'DateTime') return /^(\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d)(\+00)?$/.exec(gdal)?.slice(1, 5).join('-').replace(/-(\d\d:)/, 'T$1').concat('Z');
  return gdal;
}

/** What the first pass makes of a file. */
function fieldsOf(path: string, layout: 'collection' | 'seq'): OgrField[] {
  const schema = new GeoJsonSchema();
  scanGeoJsonFeatures(path, layout, (f) => schema.add(f.properties, f.id, f.members));
  return schema.result();
}

describe('GeoJSON / GeoJSONSeq fields as GDAL reads them', () => {
  for (const [file, gdal] of Object.entries(expected.files)) {
    const layout = file.endsWith('.geojsons') ? 'seq' : 'collection';
    it(`${file}: GDAL's fields (names, order, types), then each feature's fid and values`, async () => {
      expect(fieldsOf(join(FX, file), layout)).toEqual(gdal.fields);
      const src = await openFeatureSource(join(FX, file));
      expect(src.format).toBe(layout === 'seq' ? 'GeoJSONSeq' : 'GeoJSON');
      expect(src.columns).toEqual(gdal.fields.map((f) => f.name));
      for (const f of gdal.fields) expect(src.columnKind(f.name), f.name).toBe(fieldKind(f as OgrField));
      src.close();
      const names = gdal.fields.map((f) => f.name);
      const features = await readFeatures(join(FX, file), { columns: names });
      expect(features.map((f) => f.fid)).toEqual(gdal.features.map((f) => f.fid));
      features.forEach((feat, i) => {
        for (const f of gdal.fields) {
          const want = valueOf(gdal.features[i]?.values[f.name] ?? null, f);
          const got = feat.properties[f.name];
          if (f.type.endsWith('List') && got !== null) expect(JSON.parse(got as string), `${file} feature ${i} ${f.name}`).toEqual(want);
          else expect(got, `${file} feature ${i} ${f.name}`).toEqual(want);
        }
      });
    });
  }

  it('the RS-separated GeoJSONSeq has the FeatureCollection\'s fields and values', () => {
    const { fields, features } = expected.files['mixed.geojsons'] ?? { fields: [], features: [] };
    expect(fields).toEqual(expected.files['mixed.geojson']?.fields);
    expect(features).toEqual(expected.files['mixed.geojson']?.features);
  });

  it('zonalflow stats: a property only in later features is included and is the id column; missing values are NULL', async () => {
    const include = ['late_str', 'int_real', 'int_str', 'obj', 'bools', 'when', 'big', 'arr_int'];
    const r = await runStatsJob({ input: join(FX, 'mixed.geojson'), spec: parseJobSpec({ input: { idColumn: 'code', include }, rasters: [{ name: 'b', uri: BASE }], stats: ['count', 'mean'] }), allowed });
    const gdal = expected.files['mixed.geojson'];
    if (!gdal) throw new Error('no mixed.geojson in expected.json');
    const field = (n: string): GdalField => gdal.fields.find((f) => f.name === n) as GdalField;
    expect(r.columns).toEqual([
      { name: 'late_str', kind: 'text' }, { name: 'int_real', kind: 'number' }, { name: 'int_str', kind: 'text' }, { name: 'obj', kind: 'text' },
      { name: 'bools', kind: 'boolean' }, { name: 'when', kind: 'timestamp' }, { name: 'big', kind: 'integer' }, { name: 'arr_int', kind: 'text' },
      { name: 'b_count', kind: 'number' }, { name: 'b_mean', kind: 'number' },
    ]);
    expect(r.idKind).toBe('integer'); // code: Integer (GDAL), first met in feature 1
    const rows = [...r.rows].sort((a, b) => a.fid - b.fid);
    expect(rows.map((x) => x.fid)).toEqual([0, 1, 2, 3, 4, 5]);
    rows.forEach((row, i) => {
      const want = gdal.features[i]?.values ?? {};
      expect(row.idNull === true, `feature ${i} NULL id`).toBe(want.code === null);
      if (want.code !== null) expect(row.id).toBe(want.code);
      include.forEach((c, k) => {
        const v = valueOf(want[c] ?? null, field(c));
        // a bigint beyond 2^53 is written as its digits (integerCell), a list as its JSON array
        const cell = row.values[k];
        if (c === 'arr_int' && cell !== null) expect(JSON.parse(cell as string)).toEqual(v);
        else expect(cell, `feature ${i} ${c}`).toEqual(typeof v === 'bigint' ? v.toString() : v);
      });
      expect(row.values[include.length]).toBe(1); // a point: the one cell it falls in
      expect(row.values[include.length + 1]).toBe(expected.cells[i]);
    });
    expect(r.summary.warnings?.join('\n')).toMatch(/3 features have a NULL id \(column "code"\): fid 0, 3, 5/);
  });

  it('a column no feature has fails up front in one line naming the layer\'s columns', async () => {
    const run = (input: Record<string, unknown>): Promise<unknown> => runStatsJob({ input: join(FX, 'mixed.geojson'), spec: parseJobSpec({ input, rasters: [{ name: 'b', uri: BASE }], stats: ['count'] }), allowed });
    await expect(run({ include: ['nope'] })).rejects.toThrow(/mixed\.geojson: layer "mixed" has no column "nope" to include \(columns: id, name, int_real, .*, \.\.\. and 16 more\)$/);
    await expect(readFeatures(join(FX, 'mixed.geojsons'), { idColumn: 'nope' })).rejects.toThrow(/mixed\.geojsons: layer "mixed" has no column "nope" for the ids \(columns: id, name, .*\)$/);
  });

  it('the pass runs when the columns are first asked for, not when the file is opened', async () => {
    // a file whose properties cannot be read: only the pass reads them (features() reads them when asked for)
    const p = join(dir, 'lazy.geojsonl');
    writeFileSync(p, `${JSON.stringify({ type: 'Feature', properties: { a: 1 }, geometry: { type: 'Point', coordinates: [1, 2] } })}\n`);
    const src = await openFeatureSource(p);
    writeFileSync(p, `{"type":"Feature","properties":{"a":1,},"geometry":{"type":"Point","coordinates":[1,2]}}\n`);
    expect(() => src.columns).toThrow(/lazy\.geojsonl is not valid GeoJSON: feature 0's "properties" member cannot be read/);
    src.close();
  });
});

describe('the first pass over a file larger than its read blocks', () => {
  it('reads every feature\'s properties and id as JSON.parse of the whole file does, whatever falls on a block boundary', () => {
    // strings holding brackets, braces, commas, escaped quotes and backslashes; long geometries so members straddle the 1 MiB blocks
    const tricky = ['a"}],{[', 'back\\slash\\', '"', '\\"}', 'ü ñ 漢字', '/', ''];
    const features = Array.from({ length: 400 }, (_, i) => ({
      type: 'Feature',
      ...(i % 3 === 0 ? { id: `f${i}` } : i % 3 === 1 ? { ID: i } : {}),
      geometry: { type: 'LineString', coordinates: Array.from({ length: 300 + (i % 7) * 37 }, (_, k) => [k * 0.000123456789 + i, -k / 7]) },
      properties: { n: i, s: tricky[i % tricky.length], nested: { k: [i, { t: tricky[(i + 1) % tricky.length] }] }, [`k"${i % 5}`]: i % 2 === 0 ? null : [i] },
    }));
    const p = join(dir, 'big.geojson');
    const text = JSON.stringify({ type: 'FeatureCollection', name: 'big', features, bbox: [0, 0, 1, 1] }, null, 1);
    writeFileSync(p, text);
    expect(text.length).toBeGreaterThan(3 * (1 << 20));
    const seen: ScannedFeature[] = [];
    scanGeoJsonFeatures(p, 'collection', (f, i) => {
      expect(i).toBe(seen.length);
      seen.push(f);
    });
    expect(seen.map((f) => [f.properties, f.id ?? null])).toEqual(features.map((f) => [f.properties, (f as { id?: unknown; ID?: unknown }).id ?? (f as { ID?: unknown }).ID ?? null]));
    expect(seen.every((f) => f.members === null)).toBe(true);
    // the same features as GeoJSONSeq, each after RS
    const q = join(dir, 'big.geojsons');
    writeFileSync(q, features.map((f) => `\x1e${JSON.stringify(f)}\n`).join(''));
    const seq: unknown[] = [];
    scanGeoJsonFeatures(q, 'seq', (f) => seq.push(f.properties));
    expect(seq).toEqual(features.map((f) => f.properties));
  });

  it('integers beyond 2^53 stay exact (bigint) and as Integer64; numbers in strings are left alone', () => {
    const p = join(dir, 'int64.geojson');
    writeFileSync(p, '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":9007199254740993,"b":"9007199254740993","c":1.2345678901234567,"d":-9223372036854775807},"geometry":null}]}');
    const seen: ScannedFeature[] = [];
    scanGeoJsonFeatures(p, 'collection', (f) => seen.push(f));
    expect(seen[0]?.properties).toEqual({ a: 9007199254740993n, b: '9007199254740993', c: 1.2345678901234567, d: -9223372036854775807n });
    const schema = new GeoJsonSchema();
    schema.add(seen[0]?.properties, undefined);
    expect(schema.result().map((f) => f.type)).toEqual(['Integer64', 'String', 'Real', 'Integer64']);
  });
});
