/**
 * Case fids through the pipeline (issue 16): `zonalflow local` (Plan -> batch files -> Worker -> parts ->
 * Collect) keeps every feature of test/fixtures/cases/fids with its fid exactly as stored: NULL fids
 * stay NULL (never the rowid), int64 extremes and text/real fids stay exact, one row each, count 4 and
 * mean 487.5 (expected.json: sqlite3 values; hand-computed statistics). And included attributes and a
 * typed id column (test/fixtures/attributes, GDAL's reading as the oracle) reach results.parquet,
 * results.csv and the per-feature JSON as `stats` writes them. Failures (summary.json of `local`, the
 * summary of `stats`) name the fid as stored too, never the internal key of a fid beyond 2^53.
 */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import nodeSqlite from 'node-sqlite3-wasm';
import { runLocal } from '../../shared/local/runner';
import { runStatsJob } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';
import { csvObjects } from '../cases/run-cli';

const FX = join(import.meta.dirname, '../fixtures');
const FIDS = join(FX, 'cases/fids');
interface Expected { every_feature: { count: number; mean: number }; fids_as_stored: Record<string, Record<string, string | null>> }
const expected = JSON.parse(readFileSync(join(FIDS, 'expected.json'), 'utf8')) as Expected;
const buf = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

describe('case fids through zonalflow local: every feature once, its fid as stored', () => {
  for (const [file, fids] of Object.entries(expected.fids_as_stored)) {
    it(`${file}: ${Object.keys(fids).length} rows in CSV, Parquet and JSON, summary counts every feature`, async () => {
      const out = mkdtempSync(join(tmpdir(), 'zf-local-fids-'));
      const spec = { input: { idColumn: 'name' }, rasters: [{ uri: join(FIDS, 'base.tif') }], stats: ['count', 'mean'], output: { formats: ['parquet', 'json', 'csv'] } };
      const r = await runLocal({ input: join(FIDS, file), spec, out });
      expect(r.error, JSON.stringify(r.error)).toBeUndefined();
      expect(r.status).toBe('DONE');
      const n = Object.keys(fids).length;
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { features: { total: number; done: number; failed: number; missing: number }; warnings: string[] };
      expect(summary.features).toEqual({ total: n, done: n, failed: 0, missing: 0 });
      const csv = csvObjects(readFileSync(join(out, 'results.csv'), 'utf8'));
      expect(csv.map((x) => x.id).sort()).toEqual(Object.keys(fids).sort());
      for (const row of csv) {
        expect(row.fid, `${file} ${row.id}`).toBe(fids[row.id ?? ''] ?? '');
        expect(Number(row.base_count)).toBe(expected.every_feature.count);
        expect(Number(row.base_mean)).toBe(expected.every_feature.mean);
      }
      // Collect's order is the input order (the exact fid / rowid order), as stats writes it
      expect(csv.map((x) => x.id)).toEqual(Object.keys(fids));
      const bytes = readFileSync(join(out, 'results.parquet'));
      const objs = await parquetReadObjects({ file: buf(bytes) });
      expect(objs.map((o): unknown[] => [o.id, o.fid === null ? null : String(o.fid as bigint | string)])).toEqual(Object.entries(fids));
      expect(parquetMetadata(buf(bytes)).schema.find((s) => s.name === 'fid')?.type).toBe(file === 'odd_fids.gpkg' ? 'BYTE_ARRAY' : 'INT64');
      const docs = readdirSync(join(out, 'features')).map((f) => JSON.parse(readFileSync(join(out, 'features', f), 'utf8')) as { id: string; fid: number | string | null });
      expect(docs.map((d) => [d.id, d.fid === null ? null : String(d.fid)]).sort()).toEqual(Object.entries(fids).sort());
      const nulls = Object.values(fids).filter((v) => v === null).length;
      if (nulls > 0) expect(summary.warnings).toContain(`${nulls} features have a NULL fid (written empty; their rows are kept)`);
    });
  }
});

describe('included attributes and a typed id through zonalflow local', () => {
  it('attrs.gpkg: --include-cols columns typed in results.parquet, the integer id INT64, the NULL id null and reported', async () => {
    const dir = join(FX, 'attributes');
    const gdal = (JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { files: Record<string, { values: Record<string, string | null>[] }> }).files['attrs.gpkg']?.values ?? [];
    const out = mkdtempSync(join(tmpdir(), 'zf-local-attrs-'));
    const spec = { input: { idColumn: 'code', include: ['name', 'area', 'flag', 'small', 'seen'] }, rasters: [{ name: 'b', uri: join(dir, 'base.tif') }], stats: ['count', 'mean'], output: { formats: ['parquet', 'csv', 'json'] } };
    const r = await runLocal({ input: join(dir, 'attrs.gpkg'), spec, out });
    expect(r.status).toBe('DONE');
    const bytes = readFileSync(join(out, 'results.parquet'));
    const schema = parquetMetadata(buf(bytes)).schema;
    expect(schema.map((s) => `${s.name}:${s.type ?? ''}`).slice(1, 9)).toEqual(['id:INT64', 'fid:INT64', 'name:BYTE_ARRAY', 'area:DOUBLE', 'flag:BOOLEAN', 'small:INT64', 'seen:INT64', 'b_count:DOUBLE']);
    const objs = await parquetReadObjects({ file: buf(bytes) });
    expect(objs.map((o) => (o.id === null ? null : String(o.id as bigint)))).toEqual(gdal.map((v) => v.code));
    expect(objs.map((o) => o.name as unknown)).toEqual(gdal.map((v) => v.name));
    expect(objs.map((o) => (o.small === null ? null : String(o.small as bigint)))).toEqual(gdal.map((v) => v.small));
    expect(objs.map((o) => (o.flag === null ? null : (o.flag as boolean) ? '1' : '0'))).toEqual(gdal.map((v) => v.flag));
    expect(objs.map((o) => o.area as unknown)).toEqual(gdal.map((v) => (v.area === null ? null : Number(v.area))));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { warnings: string[] };
    expect(summary.warnings.join('\n')).toMatch(/1 feature has a NULL id \(column "code"\): fid 3; written empty/);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').split('\n');
    expect(csv[0]).toBe('id,fid,name,area,flag,small,seen,b_count,b_mean,error');
    expect(csv[2]).toMatch(/^9007199254740993,2,'=cmd\(\),,false,-7,,4,1342\.5,$/);
    const docs = readdirSync(join(out, 'features')).map((f) => JSON.parse(readFileSync(join(out, 'features', f), 'utf8')) as { id: unknown; small: unknown });
    expect(docs.map((d) => d.id).sort()).toEqual([1, '-9223372036854775807', '9007199254740993', null].sort());
  });
});

describe('failures name the fid as stored (not the internal key of a fid beyond 2^53)', () => {
  // extreme_fids.gpkg with the geometry of minint, big1 and maxint set NULL: those three fail (GEOMETRY_EMPTY)
  const failing = ['minint', 'big1', 'maxint'];
  const stored = expected.fids_as_stored['extreme_fids.gpkg'] ?? {};
  // the fid as outputs write it: a number when a safe integer, else its digits
  const want = failing.map((name) => {
    const text = stored[name] ?? '';
    return { fid: Number.isSafeInteger(Number(text)) ? Number(text) : text, id: name };
  });
  const input = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-fid-failures-'));
    const file = join(dir, 'extreme_fids.gpkg');
    copyFileSync(join(FIDS, 'extreme_fids.gpkg'), file);
    const db = new nodeSqlite.Database(file);
    try {
      db.run(`UPDATE t SET geom = NULL WHERE name IN (${failing.map(() => '?').join(', ')})`, failing);
    } finally {
      db.close();
    }
    return file;
  };
  const spec = { input: { idColumn: 'name' }, rasters: [{ uri: join(FIDS, 'base.tif') }], stats: ['count', 'mean'], output: { formats: ['parquet'] } };

  it('zonalflow local: summary.json failures[].fid', async () => {
    const out = mkdtempSync(join(tmpdir(), 'zf-local-fid-failures-'));
    const r = await runLocal({ input: input(), spec, out });
    expect(r.status).toBe('PARTIAL');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { failures: { fid: unknown; id: string }[]; failuresTotal: number };
    expect(summary.failuresTotal).toBe(3);
    expect(summary.failures.map((f) => ({ fid: f.fid, id: f.id }))).toEqual(want);
  });

  it('zonalflow stats: the summary failures[].fid', async () => {
    const r = await runStatsJob({ input: input(), spec: parseJobSpec(spec), allowed: LOCAL_ONLY, threads: 1 });
    expect(r.summary.failed).toBe(3);
    expect(r.summary.failures.map((f) => ({ fid: f.fid, id: f.id }))).toEqual(want);
  });
});
