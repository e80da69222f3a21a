/**
 * A raster with a geotransform and no CRS (no GeoKeys; gdalinfo prints no "Coordinate System is" section) is taken
 * as being in the features' CRS, with one warning line, as a layer without a CRS is taken as being in the raster's;
 * both without one compute as they are, with a warning. Expected values: exactextract 0.3.1-dev on the same files (it
 * ignores CRSs), test/fixtures/raster-no-crs/make.sh (GDAL 3.6.2).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv, runCli } from '../../cases/run-cli';

const fixtures = join(import.meta.dirname, '../../fixtures/raster-no-crs');
const dir = mkdtempSync(join(tmpdir(), 'zf-raster-no-crs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** exactextract's rows: name -> [count, sum, mean, min, max]. */
function expected(file: string): Map<string, number[]> {
  const [, ...rows] = parseCsv(readFileSync(join(fixtures, file), 'utf8'));
  return new Map(rows.map(([name, ...v]) => [name ?? '', v.map(Number)]));
}

async function stats(input: string): Promise<{ code: number; err: string; rows: Map<string, number[]> }> {
  const out = join(dir, `${input}.csv`);
  const r = await runCli(['stats', '--input', join(fixtures, input), '--raster', join(fixtures, 'nocrs.tif'), '--id-column', 'name', '--stats', 'count,sum,mean,min,max', '--out', out, '--quiet']);
  const [head, ...rows] = parseCsv(readFileSync(out, 'utf8'));
  expect(head).toEqual(['id', 'fid', 'nocrs_count', 'nocrs_sum', 'nocrs_mean', 'nocrs_min', 'nocrs_max', 'error']);
  return { code: r.code, err: r.err, rows: new Map(rows.map((c) => [c[0] ?? '', c.slice(2, 7).map(Number)])) };
}

function expectClose(got: Map<string, number[]>, want: Map<string, number[]>): void {
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [name, w] of want) {
    const g = got.get(name) ?? [];
    // exactextract sums float32 coverage fractions: 1e-6 relative
    w.forEach((v, k) => expect(Math.abs((g[k] ?? NaN) - v)).toBeLessThanOrEqual(1e-6 * Math.abs(v)));
  }
}

describe('a raster without a CRS', () => {
  it('features in EPSG:32631: computed in the features\' CRS, as exactextract, with one warning line', async () => {
    const r = await stats('features_32631.gpkg');
    expect(r.code).toBe(0);
    expectClose(r.rows, expected('expected_exactextract.csv'));
    const warnings = r.err.split('\n').filter((l) => l.startsWith('zonalflow: warning:'));
    expect(warnings).toEqual(['zonalflow: warning: the raster nocrs has no CRS (no GeoKeys; assign one with gdal_edit.py -a_srs EPSG:XXXX): its coordinates are taken as being in the layer\'s CRS, EPSG:32631 (WGS 84 / UTM zone 31N)']);
  });

  it('features without a CRS either (GeoPackage srs_id 0): computed as they are, with one warning line', async () => {
    const r = await stats('features_nocrs.gpkg');
    expect(r.code).toBe(0);
    expectClose(r.rows, expected('expected_exactextract_nocrs.csv'));
    const warnings = r.err.split('\n').filter((l) => l.startsWith('zonalflow: warning:'));
    expect(warnings).toEqual(['zonalflow: warning: neither the layer ("Undefined geographic SRS" (srs_id 0, undefined geographic)) nor the raster nocrs (no GeoKeys; assign one with gdal_edit.py -a_srs EPSG:XXXX) has a CRS: coordinates are taken as they are, as if in one CRS']);
  });
});
