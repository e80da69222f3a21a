/**
 * A raster's column prefix (raster-stem.ts, as the README's "Output columns" says: `.tif`/`.tiff` and `.cog`
 * dropped, other characters than letters, digits and `_` made `_`, `r_` before a leading digit), and two
 * rasters of one job with the same prefix: refused, naming both ways to name them (a newcomer's trial, 2026-12-03:
 * `--raster utm.tif --raster utm.cog.tif` pointed only to the spec's field).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rasterStem } from '../../../shared/raster-stem';
import { openZonalRasters } from '../../../shared/engine/rasters';
import { LOCAL_ONLY } from '../../../shared/io/uri';

const ELEV = join(import.meta.dirname, '../../../examples/elev.cog.tif');

describe('raster names', () => {
  it('the file stem, as the README describes it', () => {
    expect(rasterStem('/data/my.dem.v2.tif')).toBe('my_dem_v2');
    expect(rasterStem('s3://bucket/utm.cog.tif')).toBe('utm');
    expect(rasterStem('https://host/a/2024-01-01_B04.TIF?sig=1')).toBe('r_2024_01_01_B04');
  });

  it('two rasters named alike: refused, saying how to name them on the command line and in a spec', async () => {
    await expect(openZonalRasters([{ uri: ELEV }, { uri: ELEV }], { allowed: LOCAL_ONLY })).rejects.toThrow(
      'two rasters are named "elev" (rasters[1]): give each a distinct name (--raster NAME=URI, or the spec\'s "name")',
    );
  });
});
