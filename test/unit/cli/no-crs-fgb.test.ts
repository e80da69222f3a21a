/**
 * A FlatGeobuf without a CRS, as ogr2ogr writes one from a GeoPackage layer of srs_id 0 (header WKT
 * GEOGCRS["Undefined geographic SRS",...], no authority code: test/fixtures/no-crs-fgb/make.sh), follows the
 * GeoPackage's rule (README, CRS: a layer without a CRS is taken as being in the raster's CRS, with a warning), not
 * read as a geographic CRS of that name (a newcomer's trial, F5: every feature of the FlatGeobuf failed where the
 * GeoPackage it came from was computed). The two give the same rows.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';

const fixtures = join(import.meta.dirname, '../../fixtures/no-crs-fgb');
const elev = join(import.meta.dirname, '../../../examples/elev.cog.tif');
const dir = mkdtempSync(join(tmpdir(), 'zf-no-crs-fgb-'));

describe('a FlatGeobuf with GDAL\'s "Undefined geographic SRS"', () => {
  it('is taken as having no CRS, as its GeoPackage (srs_id 0): computed in the raster\'s CRS with the same warnings and rows', async () => {
    const run = async (file: string): Promise<{ code: number; warnings: string[]; csv: string }> => {
      const out = join(dir, `${file}.csv`);
      const r = await runCli(['stats', '--input', join(fixtures, file), '--raster', elev, '--stats', 'count,mean', '--out', out, '--quiet']);
      return { code: r.code, warnings: r.err.split('\n').filter((l) => l.includes('warning')), csv: readFileSync(out, 'utf8') };
    };
    const gpkg = await run('nocrs.gpkg');
    const fgb = await run('nocrs.fgb');
    expect(gpkg.code).toBe(0);
    expect(fgb.code).toBe(0);
    expect(fgb.warnings[0]).toMatch(/^zonalflow: warning: the layer has no CRS \("Undefined geographic SRS" \(GDAL's undefined geographic SRS, GeoPackage srs_id 0\)\): its coordinates are taken as being in the CRS of elev/);
    // the same warnings (elev is EPSG:4326 and the cantons' coordinates are EPSG:2169's: both also say no feature meets the raster)
    const same = (lines: string[]): string[] => lines.map((l) => l.replace(/"Undefined geographic SRS" \([^)]*\)/g, 'UNDEFINED'));
    expect(same(fgb.warnings)).toEqual(same(gpkg.warnings));
    // the rows but their keys (a FlatGeobuf's fids count from 0, a GeoPackage's from 1)
    const rows = (csv: string): string[] => csv.trim().split('\n').map((l) => l.split(',').slice(2).join(','));
    expect(rows(fgb.csv)).toEqual(rows(gpkg.csv));
    expect(rows(fgb.csv)).toHaveLength(4);
  });
});
