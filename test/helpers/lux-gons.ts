/**
 * A GeoPackage of 5,000 64-gons (~600 m across) on a 100 x 50 grid over Luxembourg in EPSG:4326, inside the
 * example raster (examples/elev.cog.tif): over 4 MiB, so that `zonalflow stats` reads it on a prepare thread
 * (stats-job.ts PREPARE_THREAD_MIN_BYTES). Attribute `name`: f0 .. f4999.
 */
import type { Geometry } from '../../shared/geometry/types';
import { writeGeoPackage } from './gpkg-writer';

/** Writes the layer `fields` to `path` and returns `path`. */
export function writeLuxGons(path: string): string {
  const features = Array.from({ length: 5000 }, (_, i) => {
    const cx = 5.8 + 0.65 * ((i % 100) + 0.5) / 100;
    const cy = 49.5 + 0.6 * (Math.floor(i / 100) + 0.5) / 50;
    const ring = Array.from({ length: 65 }, (_, k) => [cx + 0.008 * Math.cos(2 * Math.PI * (k % 64) / 64), cy + 0.005 * Math.sin(2 * Math.PI * (k % 64) / 64)]);
    return { geometry: { type: 'Polygon', coordinates: [ring] } as Geometry, properties: { name: `f${i}` } };
  });
  writeGeoPackage(path, [{ name: 'fields', srsId: 4326, geometryType: 'POLYGON', columns: { name: 'TEXT' }, features }]);
  return path;
}
