/**
 * Cases gpkg-wal and gpkg-locks (test/fixtures/cases/): WAL-mode GeoPackages are read with
 * their -wal content; reading never creates or depends on lock files beside the input.
 * Expected values: the cases' expected.json (GDAL ogrinfo feature counts, hand arithmetic).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openGeoPackage } from '../../shared/features/gpkg';
import { caseCopy, csvObjects, runCli } from './run-cli';

interface WalExpected { files: Record<string, { gdal_feature_count: number; rows_in_main_file: number }>; features: Record<string, { count: number; mean: number }> }

describe('case gpkg-wal: GeoPackages in WAL journal mode', () => {
  const dir = caseCopy('gpkg-wal');
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as WalExpected;
  for (const f of ['wal_checkpointed', 'wal_pending']) {
    it(`${f}: as many features as GDAL reads, each with the hand-computed statistics, input files untouched`, async () => {
      const before = readdirSync(dir).sort();
      const bytes = readFileSync(join(dir, `${f}.gpkg`));
      const wal = f === 'wal_pending' ? readFileSync(join(dir, `${f}.gpkg-wal`)) : null;
      const r = await runCli(['stats', '--input', join(dir, `${f}.gpkg`), '--raster', join(dir, 'base.tif'), '--id-column', 'name', '--stats', 'count,mean', '--out', join(dir, `out-${f}.csv`), '--quiet']);
      expect(r.code, r.err).toBe(0);
      const rows = csvObjects(readFileSync(join(dir, `out-${f}.csv`), 'utf8'));
      expect(rows.length).toBe(expected.files[`${f}.gpkg`]?.gdal_feature_count);
      for (const row of rows) {
        const e = expected.features[row.id ?? ''];
        expect(e, row.id).toBeDefined();
        expect(Number(row.base_count)).toBe(e?.count);
        expect(Number(row.base_mean)).toBeCloseTo(e?.mean ?? NaN, 9);
      }
      expect(readdirSync(dir).sort()).toEqual([...before, `out-${f}.csv`].sort());
      expect(readFileSync(join(dir, `${f}.gpkg`)).equals(bytes)).toBe(true);
      if (wal) expect(readFileSync(join(dir, `${f}.gpkg-wal`)).equals(wal)).toBe(true);
    });
  }
  it('the -wal content is what adds 8 features: without it the main file holds 8', () => {
    const g = openGeoPackage(join(caseCopy('gpkg-wal'), 'wal_checkpointed.gpkg'));
    expect(g.layer().count()).toBe(16);
    g.close();
    const d = caseCopy('gpkg-wal');
    const h = openGeoPackage(join(d, 'wal_pending.gpkg'));
    expect(h.layer().count()).toBe(16);
    h.close();
    rmSync(join(d, 'wal_pending.gpkg-wal'));
    const k = openGeoPackage(join(d, 'wal_pending.gpkg'));
    expect(k.layer().count()).toBe(expected.files['wal_pending.gpkg']?.rows_in_main_file);
    k.close();
  });
});

describe('case gpkg-locks: no lock files beside the input', () => {
  it('a leftover tiles.gpkg.lock directory does not block reading (16 features, exit 0)', async () => {
    const dir = caseCopy('gpkg-locks');
    mkdirSync(join(dir, 'tiles.gpkg.lock'));
    const r = await runCli(['stats', '--input', join(dir, 'tiles.gpkg'), '--raster', join(dir, 'base.tif'), '--out', join(dir, 'out.csv'), '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/16 features \(16 computed, 0 failed\)/);
    rmdirSync(join(dir, 'tiles.gpkg.lock'));
  });
  it('a run leaves the input folder as it found it', async () => {
    const dir = caseCopy('gpkg-locks');
    mkdirSync(join(dir, 'out'));
    const before = readdirSync(dir).sort();
    const r = await runCli(['stats', '--input', join(dir, 'tiles.gpkg'), '--raster', join(dir, 'base.tif'), '--out', join(dir, 'out', 'x.csv'), '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(before);
  });
  it('two readers of one file at the same time both read every feature (interleaved pages)', () => {
    const dir = caseCopy('gpkg-locks');
    const a = openGeoPackage(join(dir, 'tiles.gpkg'));
    const b = openGeoPackage(join(dir, 'tiles.gpkg'));
    const ia = a.layer().features({ batchSize: 3 });
    const ib = b.layer().features({ batchSize: 3 });
    let na = 0;
    let nb = 0;
    for (;;) {
      const x = ia.next();
      const y = ib.next();
      if (!x.done) na++;
      if (!y.done) nb++;
      if (x.done && y.done) break;
    }
    expect([na, nb]).toEqual([16, 16]);
    expect(readdirSync(dir).filter((n) => /\.lock$|-journal$|-wal$|-shm$/.test(n))).toEqual([]);
    a.close();
    b.close();
  });
});
