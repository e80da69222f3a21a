/**
 * Case fids (test/fixtures/cases/fids): NULL, int64-extreme, text and real fids. Every feature
 * gets one row with its fid exactly as stored (expected.json: sqlite3 values; GDAL ogrinfo
 * reads 5 / 4 / 4 features), count 4 and mean 487.5 (hand: cells 455, 456, 519, 520).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { caseCopy, csvObjects, runCli } from './run-cli';

interface Expected { every_feature: { count: number; mean: number }; fids_as_stored: Record<string, Record<string, string | null>> }

describe('case fids: every feature kept, its fid exactly as stored', () => {
  const dir = caseCopy('fids');
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
  for (const [file, fids] of Object.entries(expected.fids_as_stored)) {
    const stem = file.replace(/\.gpkg$/, '');
    const args = (out: string): string[] => ['stats', '--input', join(dir, file), '--raster', join(dir, 'base.tif'), '--id-column', 'name', '--stats', 'count,mean', '--out', join(dir, out), '--quiet'];
    it(`${file}: CSV, JSON and Parquet carry ${Object.keys(fids).length} rows with the stored fids`, async () => {
      const c = await runCli(args(`${stem}.csv`));
      expect(c.code, c.err).toBe(0);
      const rows = csvObjects(readFileSync(join(dir, `${stem}.csv`), 'utf8'));
      expect(rows.map((r) => r.id)).toEqual(Object.keys(fids));
      for (const r of rows) {
        expect(r.fid).toBe(fids[r.id ?? ''] ?? '');
        expect(Number(r.base_count)).toBe(expected.every_feature.count);
        expect(Number(r.base_mean)).toBe(expected.every_feature.mean);
      }
      if (Object.values(fids).includes(null)) expect(c.err).toMatch(/warning: 2 features have a NULL fid/);

      expect((await runCli(args(`${stem}.json`))).code).toBe(0);
      const json = JSON.parse(readFileSync(join(dir, `${stem}.json`), 'utf8')) as { id: string; fid: number | string | null }[];
      expect(json.map((o) => (o.fid === null ? null : String(o.fid)))).toEqual(Object.values(fids));

      const p = await runCli(args(`${stem}.parquet`));
      expect(p.code, p.err).toBe(0);
      const bytes = new Uint8Array(readFileSync(join(dir, `${stem}.parquet`))).buffer;
      const fidType = parquetMetadata(bytes).schema.find((s) => s.name === 'fid')?.type;
      const objs = await parquetReadObjects({ file: bytes });
      expect(objs.map((o) => (o.fid === null ? null : String(o.fid as string | bigint)))).toEqual(Object.values(fids));
      // integer fids stay INT64 (NULLs as nulls); text or real fids make the column text
      expect(fidType).toBe(file === 'odd_fids.gpkg' ? 'BYTE_ARRAY' : 'INT64');
    });
  }
});
