/**
 * What the tests of a prepared chunk built from geometry blobs (test/unit/engine/prepare-flat.test.ts: flat
 * geometries; test/unit/pipeline/batch-geometry.test.ts: a batch file's blobs) compare against
 * `ZonalEngine.prepare` of the same features: two fixture rasters, one PROJ reprojects the EPSG:4326 features
 * into and one in their CRS, and the geometries both tests start from, in EPSG:4326.
 */
import { join } from 'node:path';
import type { Geometry, Position } from '../../shared/geometry/types';

const FIX = join(import.meta.dirname, '../fixtures/cases');
/** EPSG:32633, 10 x 10 cells of 10 m from (500000, 5000100): lon 15.0..15.00127, lat 45.15348..45.15438. */
export const UTM = join(FIX, 'undefined-srs/utm33.tif');
/** EPSG:4326, 400 x 400 cells of 0.001 degree from (4.7, 52.57). */
export const WGS84 = join(FIX, 'rdnew-wkt1/rowcol_wgs84.tif');

/** Little-endian 2D WKB, as GDAL writes a GeoPackage's blobs (test/unit/geometry/wkb-writer.ts options). */
export const LE = { le: true, z: false, m: false, ewkb: false };

/** A closed ring: the w x h rectangle (h = w: a square) from (x, y). */
export const box = (x: number, y: number, w: number, h = w): Position[] => [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]];

/** Valid features on the rasters: a square on UTM's, a square with a hole on WGS84's, a multipolygon with a part on each, a point on UTM's. */
export const ON_BOTH: Geometry[] = [
  { type: 'Polygon', coordinates: [box(15.0003, 45.1537, 0.0002)] },
  { type: 'Polygon', coordinates: [box(4.8, 52.4, 0.004), box(4.801, 52.401, 0.001)] },
  { type: 'MultiPolygon', coordinates: [[box(15.0001, 45.1536, 0.0001)], [box(4.9, 52.3, 0.002)]] },
  { type: 'Point', coordinates: [15.0005, 45.1539] },
];

/** A line on UTM's raster. */
export const LINE: Geometry = { type: 'LineString', coordinates: [[15.0001, 45.1536], [15.0004, 45.1538]] };

/** A bowtie: the exterior ring crosses itself (GEOMETRY_INVALID). */
export const BOWTIE: Geometry = { type: 'Polygon', coordinates: [[[15.0001, 45.1536], [15.0005, 45.1540], [15.0005, 45.1536], [15.0001, 45.1540], [15.0001, 45.1536]]] };

/** Beyond the poles: PROJ cannot project it into UTM (CRS_TRANSFORM_FAILED). */
export const BEYOND_POLES: Geometry = { type: 'Polygon', coordinates: [box(15.0003, 95, 0.0002)] };
