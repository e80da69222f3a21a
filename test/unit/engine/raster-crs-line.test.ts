/**
 * A raster CRS zonalflow cannot use is refused on one line, as a layer's is (job-checks.ts oneLine, commit 976289c).
 * PROJ's multi-line WKT parse error cannot reach a raster: its CRS is an EPSG code or a PROJ string built from its
 * GeoKeys (crs/geokeys.ts), whose PROJ errors are one line. Its citation (GTCitationGeoKey, ASCII from the file)
 * is quoted in the CRS errors, and may hold line breaks: here "my\nlocal grid" on a user-defined projection with
 * an unsupported coordinate transformation code (99), in a GeoTIFF written by the test's writer.
 * A time series scene asset with that citation gives each feature the same one line, naming the item and the asset.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openZonalRasters } from '../../../shared/engine/rasters';
import { LOCAL_ONLY, allowedFromUris } from '../../../shared/io/uri';
import { TimeseriesEngine } from '../../../shared/engine/timeseries';
import { openGeoPackage } from '../../../shared/features/gpkg';
import { parseJobSpec } from '../../../shared/spec';
import { ensureProj } from '../../../shared/crs/transform';
import { writeCog } from '../../helpers/cog-writer';

const dir = mkdtempSync(join(tmpdir(), 'zf-raster-crs-line-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a raster CRS that cannot be used: one line', () => {
  it('a citation with a line break on an unsupported user-defined projection: RasterError on one line naming the raster', async () => {
    const path = join(dir, 'grid.tif');
    const citation = 'my\nlocal grid|';
    // GTModelType projected, RasterPixelIsArea, GTCitation (ASCII), ProjectedCSType user-defined, ProjCoordTrans 99
    writeCog(path, { width: 4, height: 4, dtype: 'uint8', value: () => 1, transform: [0, 4, 1, 1], geoKeys: [[1024, 0, 1, 1], [1025, 0, 1, 1], [1026, 34737, citation.length, 0], [3072, 0, 1, 32767], [3075, 0, 1, 99]], geoAscii: citation });
    const err = await openZonalRasters([{ uri: path }], { allowed: LOCAL_ONLY }).then(() => null, (e: unknown) => e as Error);
    expect(err?.name).toBe('RasterError');
    expect(err?.message).toBe(`cannot resolve the CRS of ${path}: my local grid: user-defined projection with coordinate transformation code 99 is not supported; reproject the raster (gdalwarp -t_srs EPSG:...)`);
  });
});

describe('a time series scene asset whose CRS cannot be used (CRS from its GeoKeys): one line', () => {
  it('the same citation with a line break: each feature\'s error is one line naming the item and the asset', async () => {
    // Prepare: the raster above as the one asset of two scenes; features in EPSG:32631
    const path = join(dir, 'scene.tif');
    const citation = 'my\nlocal grid|';
    writeCog(path, { width: 4, height: 4, dtype: 'uint8', value: () => 1, transform: [0, 4, 1, 1], geoKeys: [[1024, 0, 1, 1], [1025, 0, 1, 1], [1026, 34737, citation.length, 0], [3072, 0, 1, 32767], [3075, 0, 1, 99]], geoAscii: citation });
    const spec = parseJobSpec({ input: { idColumn: 'name' }, stac: { api: 'http://127.0.0.1:9/', collections: ['c'], datetime: '2024-05-01/2024-05-31', assets: { b: 'b' } }, interval: 'scene', stats: ['max'] });
    const scenes = [{ id: 's1', datetime: Date.parse('2024-05-03T10:00:00Z'), bbox: null, hrefs: { b: path } }];
    await ensureProj();
    const gpkg = openGeoPackage(join(import.meta.dirname, '../../fixtures/raster-no-crs/features_32631.gpkg'));
    try {
      const layer = gpkg.layer();
      const engine = new TimeseriesEngine(spec, scenes, layer.crs, { allowed: allowedFromUris([path]) });
      // Act
      const { rows } = await engine.computeChunk([...layer.features({ idColumn: 'name', columns: [] })]);
      // Assess
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(r.error).toMatch(new RegExp(`cannot resolve the CRS of ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(STAC item s1, asset "b"\\): my local grid: user-defined projection with coordinate transformation code 99 is not supported; reproject the raster \\(gdalwarp -t_srs EPSG:\\.\\.\\.\\)$`));
      for (const r of rows) expect(r.error).not.toMatch(/\n/);
    } finally {
      gpkg.close();
    }
  });
});
