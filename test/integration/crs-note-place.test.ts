/**
 * The summary's CRS line names the operation PROJ uses where the features lie, not at the raster's centre. PROJ
 * picks its operation per point (the most accurate whose area of use holds the point): Luxembourg's cantons in
 * EPSG:2169 (examples/lux_cantons_2169.gpkg) over a Europe-sized EPSG:4326 raster centred on (15°E, 52.5°N) are
 * transformed by "LUREF to WGS 84 (4)", 1 m (projinfo -s EPSG:2169 -t EPSG:4326 --bbox 5.73,49.44,6.53,50.19
 * --spatial-test intersects: operation No. 1 of 2, both of 1 m; projinfo -k operation EPSG:5484 is "LUREF to WGS 84
 * (4)"), while at the raster's centre PROJ has none
 * (projinfo ... --bbox 14.9,52.4,15.1,52.6: no candidate operation). The raster is built here (cog-writer);
 * run on the GeoPackage (read in its spatial order, in this thread and with the prepare thread) and on a GeoJSON
 * in EPSG:2169 (spooled: no spatial order).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';
import { writeCog } from '../helpers/cog-writer';

const CANTONS = join(import.meta.dirname, '../../examples/lux_cantons_2169.gpkg');

function europe(dir: string): string {
  // 5..25°E, 45..60°N: centre (15, 52.5); Luxembourg (5.73..6.53°E, 49.44..50.19°N) inside
  const tif = join(dir, 'europe.tif');
  writeCog(tif, { width: 200, height: 150, dtype: 'uint8', value: () => 1, epsg: 4326, transform: [5, 60, 0.1, 0.1] });
  return tif;
}

/** Squares of 2 km in EPSG:2169 inside the cantons' extent (ogrinfo: (49540, 57010) - (105922, 138631)). */
function squaresGeoJson(dir: string): string {
  const corners: [number, number][] = [[70_000, 80_000], [80_000, 100_000], [90_000, 120_000]];
  const features = corners.map(([x, y], i) => ({
    type: 'Feature',
    properties: { id: `s${i}` },
    geometry: { type: 'Polygon', coordinates: [[[x, y], [x + 2000, y], [x + 2000, y + 2000], [x, y + 2000], [x, y]]] },
  }));
  const path = join(dir, 'squares.geojson');
  writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2169' } }, features }));
  return path;
}

describe('the CRS line names the operation where the features lie', () => {
  const cases = [
    { name: 'GeoPackage, this thread', input: (): string => CANTONS, id: 'ID_2', prepareThread: false, n: 12 },
    { name: 'GeoPackage, prepare thread', input: (): string => CANTONS, id: 'ID_2', prepareThread: true, n: 12 },
    { name: 'GeoJSON (spooled)', input: (dir: string): string => squaresGeoJson(dir), id: 'id', prepareThread: false, n: 3 },
  ];
  for (const c of cases) {
    it(`${c.name}: LUREF to WGS 84 (4), not a ballpark at the raster's centre`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'zf-crs-place-'));
      const spec = parseJobSpec({ input: { idColumn: c.id }, rasters: [{ name: 'eu', uri: europe(dir) }], stats: ['count'] });
      const r = await runStatsJob({ input: c.input(dir), spec, allowed: LOCAL_ONLY, prepareThread: c.prepareThread, threads: 1 });
      expect(r.summary).toMatchObject({ features: c.n, done: c.n, failed: 0 });
      const line = r.summary.crs?.[0]?.transformation ?? '';
      expect(line).toMatch(/^EPSG:5484 "LUREF to WGS 84 \(4\)", accuracy 1 m/);
      expect(line).not.toMatch(/ballpark|15\.000/);
    }, 60_000);
  }
});
