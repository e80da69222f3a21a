/**
 * `--include-cols` / `input.include` and typed ids through `zonalflow stats`' job (issue 16), for every
 * format GDAL wrote the same layer to (test/fixtures/attributes, make.py): each included attribute is a
 * leading column whose kind follows the type GDAL reads (Integer/Integer64 -> integer, Real -> number,
 * String -> text, Integer(Boolean) -> boolean, DateTime -> timestamp, Date -> text), its values equal
 * GDAL's, the integer (real) id column stays INT64 (DOUBLE) in Parquet and a number in JSON, and the NULL id stays null
 * with a warning. Statistics: count and mean by arithmetic (expected.json).
 * GeoJSON declares no types: GDAL types its fields from every feature's values (geojson-schema.ts), and so does zonalflow.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { runStatsJob } from '../../../shared/engine/stats-job';
import { parseJobSpec } from '../../../shared/spec';
import { toParquet } from '../../../shared/output/parquet';
import { toJson } from '../../../shared/output/json';
import { toCsv } from '../../../shared/output/csv';
import type { StatColumn } from '../../../shared/output/table';
import { featureError, featureProblem } from '../../../shared/engine/zonal';

const dir = join(import.meta.dirname, '../../fixtures/attributes');
interface Expected { features: { count: number; mean: number }[]; files: Record<string, { types: Record<string, string>; values: Record<string, string | null>[] }> }
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
const include = ['name', 'area', 'flag', 'small', 'seen'];
const KIND: Record<string, StatColumn['kind']> = { Integer64: 'integer', Integer: 'integer', Real: 'number', String: 'text', 'Integer(Boolean)': 'boolean', DateTime: 'timestamp', Date: 'text' };
const allowed = { schemes: ['file' as const], s3Buckets: [], httpsHosts: [] };

/** GDAL's text of a value -> the cell zonalflow must hold for a column of `kind`. */
function cellOf(gdal: string | null, kind: StatColumn['kind']): unknown {
  if (gdal === null) return null;
  if (kind === 'integer') return Number.isSafeInteger(Number(gdal)) ? Number(gdal) : gdal;
  if (kind === 'number') return Number(gdal);
  if (kind === 'boolean') return gdal === '1';
  const iso = /^(\d{4})\/(\d\d)\/(\d\d)(?: (\d\d:\d\d:\d\d)\+00)?$/.exec(gdal);
  if (iso) return iso[4] === undefined ? `${iso[1]}-${iso[2]}-${iso[3]}` : `${iso[1]}-${iso[2]}-${iso[3]}T${iso[4]}Z`;
  return gdal;
}

describe('included attributes and typed ids, every format', () => {
  for (const [file, gdal] of Object.entries(expected.files)) {
    it(`${file}: attributes typed as GDAL reads them, values equal, NULL id kept null`, async () => {
      const r = await runStatsJob({ input: join(dir, file), spec: parseJobSpec({ input: { idColumn: 'code', include }, rasters: [{ name: 'b', uri: join(dir, 'base.tif') }], stats: ['count', 'mean'] }), allowed });
      const kinds = include.map((c) => KIND[gdal.types[c] ?? '']);
      expect(r.columns).toEqual([...include.map((name, i) => ({ name, kind: kinds[i] })), { name: 'b_count', kind: 'number' }, { name: 'b_mean', kind: 'number' }]);
      const codeKind = KIND[gdal.types.code ?? ''];
      expect(r.idKind).toBe(codeKind === 'integer' || codeKind === 'number' ? codeKind : 'text');
      expect(r.rows.length).toBe(4);
      expect(r.rows.map((x) => x.values[include.length + 1]).sort()).toEqual(expected.features.map((f) => f.mean).sort());
      r.rows.forEach((row, i) => {
        const want = gdal.values[i] ?? {};
        include.forEach((c, k) => expect(row.values[k], `${file} feature ${i} ${c}`).toEqual(cellOf(want[c] ?? null, kinds[k] ?? 'text')));
        expect(row.values[include.length]).toBe(4);
        expect(row.idNull === true).toBe(want.code === null);
        if (want.code !== null && codeKind === 'integer') expect(row.id).toBe(want.code);
      });
      expect(r.summary.warnings?.join('\n')).toMatch(/1 feature has a NULL id \(column "code"\): fid \d+; written empty/);
      // the writers: the id INT64 / DOUBLE (NULL as null) where the id column is an integer / real column; attributes typed
      const pq = toParquet(r.columns, r.rows, { idKind: r.idKind });
      const file2 = pq.buffer.slice(pq.byteOffset, pq.byteOffset + pq.byteLength) as ArrayBuffer;
      const schema = parquetMetadata(file2).schema;
      expect(schema.find((s) => s.name === 'id')?.type).toBe(r.idKind === 'integer' ? 'INT64' : r.idKind === 'number' ? 'DOUBLE' : 'BYTE_ARRAY');
      expect(schema.find((s) => s.name === 'small')?.type).toBe(kinds[3] === 'integer' ? 'INT64' : 'DOUBLE');
      expect(schema.find((s) => s.name === 'flag')?.type).toBe(kinds[2] === 'boolean' ? 'BOOLEAN' : kinds[2] === 'integer' ? 'INT64' : 'DOUBLE');
      const objs = await parquetReadObjects({ file: file2 });
      expect(objs.map((o) => (o.id === null ? null : String(o.id as bigint | number | string)))).toEqual(r.rows.map((x) => (x.idNull ? null : x.id)));
      const docs = JSON.parse(toJson(r.columns, r.rows, { idKind: r.idKind })) as { id: unknown }[];
      if (r.idKind === 'integer') expect(docs.map((d) => d.id)).toEqual(gdal.values.map((v) => (v.code === null ? null : Number.isSafeInteger(Number(v.code)) ? Number(v.code) : v.code)));
      if (r.idKind === 'number') expect(docs.map((d) => d.id)).toEqual(gdal.values.map((v) => (v.code === null ? null : Number(v.code))));
      expect(toCsv(r.columns, r.rows).split('\n')[0]).toBe('id,fid,name,area,flag,small,seen,b_count,b_mean,error');
    });
  }
  it('unknown, reserved or repeated columns are refused up front, naming the problem', async () => {
    const run = (inc: string[]): Promise<unknown> => runStatsJob({ input: join(dir, 'attrs.gpkg'), spec: parseJobSpec({ input: { include: inc }, rasters: [{ name: 'b', uri: join(dir, 'base.tif') }], stats: ['count'] }), allowed });
    await expect(run(['nope'])).rejects.toThrow(/has no column "nope" to include \(columns: code, name, area, flag, small, seen\)/);
    await expect(run(['fid'])).rejects.toThrow(/"fid" is a column the results already have/);
    await expect(run(['name', 'name'])).rejects.toThrow(/"name" is given twice/);
  });
  it('failure reasons name the stored fid (NULL, int64 digits), never the internal key, and a NULL id as such', () => {
    expect(featureError({ id: 'big1', fid: -2.5, fidText: '9007199254740993' }, new Error('x'))).toBe('FEATURE_FAILED: feature "big1" (fid 9007199254740993): x');
    expect(featureProblem({ id: '', idNull: true, fid: 2, fidText: null, geometry: null }, 'exact')).toBe('GEOMETRY_EMPTY: feature with a NULL id (fid NULL): empty or missing geometry');
    expect(featureProblem({ id: 'a', fid: 7, geometry: null }, 'exact')).toBe('GEOMETRY_EMPTY: feature "a" (fid 7): empty or missing geometry');
  });
});
