import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProj } from '../../../shared/crs/proj';
import { openGeoPackage, type GeoPackage } from '../../../shared/features/gpkg';
import { crsFromEpsg } from '../../../shared/crs/epsg';
import { crsFromGeoKeys } from '../../../shared/crs/geokeys';
import { crsEquivalent, makeTransformer } from '../../../shared/crs/transform';
import { openRaster } from '../../../shared/raster/cog';
import { FileSource } from '../../../shared/io/source.file';
import { CrsError } from '../../../shared/errors';

beforeAll(() => loadProj(), 60_000);

const REF = join(import.meta.dirname, '../../fixtures/reference');
const opened: GeoPackage[] = [];
afterAll(() => opened.forEach((g) => g.close())); // each open GeoPackage holds a private view in TMPDIR

/** The first layer of a GeoPackage, closed after the file's tests. */
function layerOf(path: string): ReturnType<GeoPackage['layer']> {
  const g = openGeoPackage(path);
  opened.push(g);
  return g.layer();
}

describe('CRS', () => {
  it('l7 points 4326 -> EPSG:31985 match PROJ to 1 mm', () => {
    const layer = layerOf(join(REF, 'data/l7/l7_points_4326.gpkg'));
    const t = makeTransformer(layer.crs, crsFromEpsg(31985));
    expect(t).not.toBeNull();
    const [h, ...lines] = readFileSync(join(REF, 'expected/l7__points_4326__point_values.csv'), 'utf8').trim().split('\n');
    const cols = (h ?? '').split(',');
    const byFid = new Map(lines.map((l) => l.split(',')).map((v) => [Number(v[0]), [Number(v[cols.indexOf('x_raster_crs')]), Number(v[cols.indexOf('y_raster_crs')])]]));
    for (const f of layer.features()) {
      if (f.geometry?.type !== 'Point') throw new Error('point expected');
      const [x, y] = t?.(...f.geometry.coordinates) ?? [NaN, NaN];
      const ref = byFid.get(f.fid) ?? [NaN, NaN];
      expect(Math.abs(x - (ref[0] ?? NaN))).toBeLessThan(1e-3);
      expect(Math.abs(y - (ref[1] ?? NaN))).toBeLessThan(1e-3);
    }
  });
  it('the rasterstats custom Albers: GeoKeys and the GeoPackage WKT are the same CRS (definitions compared, not codes)', async () => {
    const r = await openRaster(new FileSource(join(REF, 'data/rasterstats/slope.cog.tif')));
    const rasterCrs = crsFromGeoKeys(r.info.geoKeys);
    const layer = layerOf(join(REF, 'data/rasterstats/polygons.gpkg'));
    expect(rasterCrs.epsg).toBeUndefined();
    expect(crsEquivalent(layer.crs, rasterCrs)).toBe(true);
    expect(makeTransformer(layer.crs, rasterCrs)).toBeNull();
  });
  it('4326 vs 3857 differ; the same EPSG code from WKT and from the table agree', () => {
    expect(crsEquivalent(crsFromEpsg(4326), crsFromEpsg(3857))).toBe(false);
    const lux = layerOf(join(REF, 'data/lux/lux_cantons_2169.gpkg'));
    expect(crsEquivalent(lux.crs, crsFromEpsg(2169))).toBe(true);
  });
  it('lux cantons 2169 -> 4326 land on the 4326 copy of the same cantons (to ~1e-5 degrees)', () => {
    const a = layerOf(join(REF, 'data/lux/lux_cantons_2169.gpkg'));
    const b = layerOf(join(REF, 'data/lux/lux_cantons_4326.gpkg'));
    const t = makeTransformer(a.crs, b.crs);
    const fb = [...b.features()];
    for (const [i, f] of [...a.features()].entries()) {
      if (f.geometry?.type !== 'Polygon' || fb[i]?.geometry?.type !== 'Polygon') continue;
      const [x, y] = f.geometry.coordinates[0]?.[0] ?? [NaN, NaN];
      const [lon, lat] = t?.(x, y) ?? [NaN, NaN];
      const ref = fb[i].geometry.coordinates[0]?.[0] ?? [NaN, NaN];
      expect(Math.abs(lon - ref[0])).toBeLessThan(1e-5);
      expect(Math.abs(lat - ref[1])).toBeLessThan(1e-5);
    }
  });
  it('unknown codes and unreadable keys are clear errors', () => {
    expect(() => makeTransformer(crsFromEpsg(999999), crsFromEpsg(4326))).toThrow(/EPSG:999999 is not known/);
    expect(() => crsFromGeoKeys({ 1024: 1, 3072: 32767, 3075: 99 })).toThrow(/transformation code 99/);
    expect(() => crsFromGeoKeys({ 1024: 7 })).toThrow(CrsError);
    expect(() => crsFromGeoKeys({ 1024: 7 })).toThrow('the raster\'s GTModelTypeGeoKey is 7, which GDAL does not read as a CRS; assign one with gdal_edit.py -a_srs EPSG:XXXX');
  });
  it('no GeoKeys (no model type, no code) is no CRS, as GDAL reads it: an undefined CRS, taken as the other side\'s', () => {
    expect(crsFromGeoKeys({})).toEqual({ name: 'no CRS (no GeoKeys)', def: '', undefinedCrs: true });
    expect(crsFromGeoKeys({ 1025: 1 })).toEqual({ name: 'no CRS (no GeoKeys)', def: '', undefinedCrs: true });
    expect(makeTransformer(crsFromEpsg(32631), crsFromGeoKeys({}))).toBeNull();
  });
});
