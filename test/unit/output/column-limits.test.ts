/**
 * The column limits of the geo outputs (shared/output/column-limits.ts): a GeoPackage table holds at most 2000
 * columns (SQLite's SQLITE_MAX_COLUMN, which node-sqlite3-wasm is built with: the 2000-column table is written and
 * read back here), a FlatGeobuf file 65,536 fields. A table known too wide fails when the sink opens, in one line
 * naming the count, the limit and what to do; one that frac's per-value columns, known at the end, make too wide is
 * written with each frac column as one JSON text column and a warning line (nothing computed is lost).
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
    const warnings: string[] = [];
    const sink = await openSink(late, { columns: [{ name: 'r_count', kind: 'number' }, { name: 'r_frac', kind: 'frac' }], geometry: { crs: null } }, { label: `--out ${late}`, warn: (w) => warnings.push(w) });
    // 1995 distinct values: 2 + id, fid, r_count, 1995, error = 2001 columns; known on close, every row computed:
    // the rows are kept, r_frac written as one JSON text column, and said in one line
    const values = Array.from({ length: 1995 }, (_, i) => i);
    const fracs = values.map(() => 1 / 1995);
    await sink.write([row([1, { values, fracs }])]);
    await sink.close();
    expect(warnings).toEqual([`--out ${late}: one column per distinct value of r_frac would make 2001 columns (1995 per value), more than a GeoPackage table holds (2000): it is written as one JSON text column ({"values": [...], "fracs": [...]}) instead, every row kept; .parquet, .csv or .json hold one column per value`]);
    const db = new nodeSqlite.Database(late, { readOnly: true });
    try {
      expect((db.all('PRAGMA table_info(late)') as { name: string }[]).map((c) => c.name)).toEqual(['ogc_fid', 'geom', 'id', 'fid', 'r_count', 'r_frac', 'error']);
      const got = db.get('SELECT r_count, r_frac FROM late') as { r_count: number; r_frac: string };
      expect([got.r_count, JSON.parse(got.r_frac)]).toEqual([1, { values, fracs }]);
    } finally {
      db.close();
    }
  });

  it('frac values that still fit: one column per value, no warning', async () => {
    const path = join(dir, 'fits.gpkg');
    const warnings: string[] = [];
    const sink = await openSink(path, { columns: [{ name: 'r_frac', kind: 'frac' }], geometry: { crs: null } }, { warn: (w) => warnings.push(w) });
    await sink.write([row([{ values: [3, 7], fracs: [0.25, 0.75] }])]);
    await sink.close();
    const db = new nodeSqlite.Database(path, { readOnly: true });
    try {
      expect(db.get('SELECT r_frac_3, r_frac_7 FROM fits')).toEqual({ r_frac_3: 0.25, r_frac_7: 0.75 });
    } finally {
      db.close();
    }
    expect(warnings).toEqual([]);
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
  it('frac over 2025 distinct values (ogc_fid, geom, id, fid, 2025, r_count, error: 2031 columns expanded): every row written, frac as JSON, one warning line, exit 0', async () => {
    // a 45 x 45 raster of 2025 distinct values and a feature covering it: each value's fraction is 1/2025
    const raster = join(dir, 'many.tif');
    writeCog(raster, { width: 45, height: 45, dtype: 'int32', tileSize: 16, epsg: 4326, transform: [0, 45, 1, 1], value: (r, c) => r * 45 + c });
    const input = join(dir, 'cover.gpkg');
    writeGeoPackage(input, [{ name: 'fields', srsId: 4326, features: [{ geometry: { type: 'Polygon', coordinates: [[[0, 0], [45, 0], [45, 45], [0, 45], [0, 0]]] } }, { geometry: { type: 'Polygon', coordinates: [[[0, 44], [2, 44], [2, 45], [0, 45], [0, 44]]] } }] }]);
    const out = join(dir, 'frac.gpkg');
    const r = await runCli(['stats', '--input', input, '--raster', `r=${raster}`, '--stats', 'frac,count', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.err.split('\n').filter((l) => l.startsWith('zonalflow: warning'))).toEqual([`zonalflow: warning: --out ${out}: one column per distinct value of r_frac would make 2031 columns (2025 per value), more than a GeoPackage table holds (2000): it is written as one JSON text column ({"values": [...], "fracs": [...]}) instead, every row kept; .parquet, .csv or .json hold one column per value`]);
    const db = new nodeSqlite.Database(out, { readOnly: true });
    try {
      const rows = db.all('SELECT fid, r_frac, r_count FROM frac ORDER BY fid') as { fid: number; r_frac: string; r_count: number }[];
      const all = JSON.parse(rows[0]?.r_frac ?? 'null') as { values: number[]; fracs: number[] };
      expect([rows.length, rows[0]?.r_count, all.values.length, all.values[2024]]).toEqual([2, 2025, 2025, 2024]);
      expect(Math.max(...all.fracs.map((f) => Math.abs(f - 1 / 2025)))).toBeLessThan(1e-12);
      // the top-left 2 x 1 cells: values 0 and 1, half each
      expect([rows[1]?.r_count, JSON.parse(rows[1]?.r_frac ?? 'null')]).toEqual([2, { values: [0, 1], fracs: [0.5, 0.5] }]);
    } finally {
      db.close();
    }
  }, 60_000);

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
