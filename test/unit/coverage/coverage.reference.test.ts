/**
 * Coverage weights against the reference tables of the 14 tiny exactextract /
 * rasterstats cases (EPSG:3857 polygons on EPSG:3857 rasters, no reprojection):
 * over the valid cells of band 1, count = Σ w and sum = Σ w·x must equal
 * exactextract's (`exact`, 1e-6 relative: its fractions are float32) and
 * rasterio's (`center`, `all_touched` = exact > 1e-10: counts exact, sums 1e-9).
 * The raster and GeoPackage readers are the project's own (shared/raster,
 * shared/features); only the weights are under test here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coverage } from '../../../shared/coverage/coverage';
import type { CoverageMode } from '../../../shared/coverage/coverage';
import { openGeoPackage } from '../../../shared/features/gpkg';
import { FileSource } from '../../../shared/io/source.file';
import { openRaster } from '../../../shared/raster/cog';

const REF = join(import.meta.dirname, '../../fixtures/reference');
const pairs = JSON.parse(readFileSync(join(REF, 'expected/ee_cases_pairs.json'), 'utf8')) as [string, string, string, string | null, unknown][];

function readCsv(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const cols = (header ?? '').split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i] ?? `c${i}`, v])));
}

const close = (got: number, want: number, rel: number): void => {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want)));
};

describe('coverage weights reproduce the tiny reference counts and sums', () => {
  for (const [name, rasterPath, vectorPath] of pairs) {
    it(name, async () => {
      const raster = await openRaster(new FileSource(join(REF, rasterPath)));
      const grid = raster.info.grid;
      const gpkg = openGeoPackage(join(REF, vectorPath));
      const features = [...gpkg.layer().features()];
      gpkg.close();
      let checked = 0;
      for (const [mode, suffix] of [['exact', 'exact'], ['center', 'center'], ['all_touched', 'alltouched']] as [CoverageMode, string][]) {
        const rows = readCsv(join(REF, `expected/${name}__${suffix}.csv`)).filter((r) => r.band === '1');
        for (const row of rows) {
          const f = features.find((x) => x.fid === Number(row.fid));
          if (!f?.geometry) throw new Error(`${name}: fid ${row.fid} missing`);
          const cov = coverage(f.geometry, grid, mode);
          let count = 0;
          let sum = 0;
          if (cov) {
            const [band] = await raster.readWindow(cov.window, [1]);
            if (!band) throw new Error('band 1 expected');
            cov.weights.forEach((w, k) => {
              if (w > 0 && band.valid[k] === 1) {
                count += w;
                sum += w * (band.values[k] as number);
              }
            });
          }
          const wantCount = Number(row.count === '' ? 0 : row.count);
          if (mode === 'exact') {
            close(count, wantCount, 1e-6);
            if (row.sum !== '' && row.sum !== undefined) close(sum, Number(row.sum), 1e-6);
          } else {
            expect({ name, mode, fid: row.fid, count }).toEqual({ name, mode, fid: row.fid, count: wantCount });
            if (row.sum !== '' && row.sum !== undefined) close(sum, Number(row.sum), 1e-9);
          }
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(2);
    });
  }
});
