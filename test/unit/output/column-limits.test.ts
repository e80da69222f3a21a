/**
 * The column limits of the geo outputs (shared/output/column-limits.ts): a GeoPackage table holds at most 2000
 * columns (SQLite's SQLITE_MAX_COLUMN, which node-sqlite3-wasm is built with: the 2000-column table is written and
 * read back here), a FlatGeobuf file 65,536 fields. A table known too wide fails when the sink opens, in one line
 * naming the count, the limit and what to do; frac's per-value columns, known at the end, fail there in the same words.
 * Through the CLI: a table too wide without frac fails before the job computes (exit 2, nothing at --out).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import nodeSqlite from 'node-sqlite3-wasm';
import { openSink } from '../../../shared/output/open-sink';
import { OutputError } from '../../../shared/errors';
import type { ResultRow, StatColumn } from '../../../shared/output/table';
import { runCli } from '../../cases/run-cli';
import { writeGeoPackage } from '../../helpers/gpkg-writer';
import { writeCog } from '../../helpers/cog-writer';

const dir = mkdtempSync(join(tmpdir(), 'zf-col-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const numbers = (n: number): StatColumn[] => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, kind: 'number' }));
const row = (values: ResultRow['values']): ResultRow => ({ id: 'a', fid: 1, values, error: null, geometry: { type: 'Point', coordinates: [1, 2] } });

describe('GeoPackage: at most 2000 columns', () => {
  it('writes a table of exactly 2000 columns (ogc_fid, geom, id, fid, 1995 statistics, error)', async () => {
    const path = join(dir, 'full.gpkg');
    const sink = await openSink(path, { columns: numbers(1995), geometry: { crs: null } });
    await sink.write([row(Array.from({ length: 1995 }, (_, i) => i / 2))]);
    await sink.close();
    const db = new nodeSqlite.Database(path, { readOnly: true });
    try {
      expect((db.all('PRAGMA table_info(full)') as unknown[]).length).toBe(2000);
      expect(db.get('SELECT c1994 FROM full')).toEqual({ c1994: 997 });
    } finally {
      db.close();
    }
  });

  it('refuses 2001 when the sink opens, before any row, in one line with the count, the limit and what to do', async () => {
    const path = join(dir, 'wide.gpkg');
    const err = await openSink(path, { columns: numbers(1996), geometry: { crs: null } }, { label: `--out ${path}` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect((err as OutputError).code).toBe('OUTPUT_INVALID');
    expect((err as Error).message).toBe(`--out ${path}: a GeoPackage table holds at most 2000 columns (SQLite's SQLITE_MAX_COLUMN; GDAL's GPKG driver has the same limit) and this table needs 2001; write another format (.parquet, .fgb, .csv or .json) or fewer columns (fewer statistics, bands or --include-cols)`);
    expect(existsSync(path)).toBe(false);
  });

  it('frac: too wide without its per-value columns fails at once; with them, when the values are known (close)', async () => {
    const early = join(dir, 'early.gpkg');
    const err = await openSink(early, { columns: [...numbers(1996), { name: 'r_frac', kind: 'frac' }], geometry: { crs: null } }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('at most 2000 columns (SQLite\'s SQLITE_MAX_COLUMN; GDAL\'s GPKG driver has the same limit) and this table needs at least 2001 before frac\'s per-value columns');

    const late = join(dir, 'late.gpkg');
    const sink = await openSink(late, { columns: [{ name: 'r_count', kind: 'number' }, { name: 'r_frac', kind: 'frac' }], geometry: { crs: null } }, { label: `--out ${late}` });
    // 1995 distinct values: 2 + id, fid, r_count, 1995, error = 2001 columns
    const values = Array.from({ length: 1995 }, (_, i) => i);
    await sink.write([row([1, { values, fracs: values.map(() => 1 / 1995) }])]);
    const closed = await sink.close().catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(OutputError);
    expect((closed as Error).message).toBe(`--out ${late}: a GeoPackage table holds at most 2000 columns (SQLite's SQLITE_MAX_COLUMN; GDAL's GPKG driver has the same limit) and this table needs 2001 (1995 of them one per distinct value of frac/weighted_frac); write another format (.parquet, .fgb, .csv or .json) or fewer per-value columns (unique lists the values in one column instead of frac's column per value)`);
    expect(existsSync(late)).toBe(false);
  });
});

describe('FlatGeobuf: at most 65,536 fields (16-bit field index)', () => {
  it('refuses 65,537 when the sink opens', async () => {
    const path = join(dir, 'wide.fgb');
    const err = await openSink(path, { columns: numbers(65_534), geometry: { crs: null } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputError);
    expect((err as Error).message).toContain('a FlatGeobuf file holds at most 65536 fields (a 16-bit field index) and this table needs 65537; write another format (.parquet, .csv or .json)');
  });
});

describe('zonalflow stats --out x.gpkg', () => {
  it('a table known too wide (1994 quantiles) fails before the job computes: exit 2, one line, nothing at --out', async () => {
    const raster = join(dir, 'r.tif');
    writeCog(raster, { width: 8, height: 8, dtype: 'float32', tileSize: 16, epsg: 4326, transform: [0, 8, 1, 1], value: (r, c) => r * 8 + c + 0.5 });
    const input = join(dir, 'in.gpkg');
    writeGeoPackage(input, [{ name: 'fields', srsId: 4326, features: [{ geometry: { type: 'Polygon', coordinates: [[[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]] } }] }]);
    const out = join(dir, 'o.gpkg');
    const quantiles = Array.from({ length: 1994 }, (_, i) => `q${(i + 1) / 20}`).join(','); // q0.05 .. q99.7
    const r = await runCli(['stats', '--input', input, '--raster', raster, '--stats', `count,mean,${quantiles}`, '--out', out, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`zonalflow: error [OUTPUT_INVALID]: --out ${out}: a GeoPackage table holds at most 2000 columns (SQLite's SQLITE_MAX_COLUMN; GDAL's GPKG driver has the same limit) and this table needs 2001; write another format (.parquet, .fgb, .csv or .json) or fewer columns (fewer statistics, bands or --include-cols)\n`);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
