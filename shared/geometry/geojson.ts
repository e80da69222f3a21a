/**
 * GeoJSON geometry objects from outside (GeoJSON files, FlatGeobuf and Shapefile
 * readers) to the internal model: validated shapes, Z/M dropped (positions keep x, y),
 * empty geometries (no coordinates) as null. GeometryError on anything else.
 */
import { GeometryError } from '../errors';
import type { Geometry, Position } from './types';

function pos(v: unknown): Position {
  if (!Array.isArray(v) || v.length < 2) throw new GeometryError(`a position must be an array of at least 2 numbers (got ${JSON.stringify(v)?.slice(0, 40)})`);
  const x = v[0] as unknown;
  const y = v[1] as unknown;
  if (typeof x !== 'number' || typeof y !== 'number') throw new GeometryError(`a position must hold numbers (got ${JSON.stringify(v).slice(0, 40)})`);
  return [x, y];
}
function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new GeometryError(`${what} must be an array`);
  return v as unknown[];
}
const line = (v: unknown): Position[] => arr(v, 'a line').map(pos);
const rings = (v: unknown): Position[][] => arr(v, 'a polygon').map(line).filter((r) => r.length > 0);

/** Converts a GeoJSON geometry object (or null) to the internal model; null when empty or absent. */
export function geometryFromGeoJson(g: unknown, depth = 0): Geometry | null {
  if (g === null || g === undefined) return null;
  if (typeof g !== 'object') throw new GeometryError(`a geometry must be an object (got ${typeof g})`);
  if (depth > 32) throw new GeometryError('geometry collections nested too deeply');
  const o = g as { type?: unknown; coordinates?: unknown; geometries?: unknown };
  switch (o.type) {
    case 'Point': {
      const c = arr(o.coordinates, 'Point coordinates');
      if (c.length === 0) return null;
      const p = pos(c);
      return Number.isNaN(p[0]) && Number.isNaN(p[1]) ? null : { type: 'Point', coordinates: p };
    }
    case 'MultiPoint': {
      const c = arr(o.coordinates, 'MultiPoint coordinates').map(pos);
      return c.length === 0 ? null : { type: 'MultiPoint', coordinates: c };
    }
    case 'LineString': {
      const c = line(o.coordinates);
      return c.length === 0 ? null : { type: 'LineString', coordinates: c };
    }
    case 'MultiLineString': {
      const c = arr(o.coordinates, 'MultiLineString coordinates').map(line).filter((l) => l.length > 0);
      return c.length === 0 ? null : { type: 'MultiLineString', coordinates: c };
    }
    case 'Polygon': {
      const c = rings(o.coordinates);
      return c.length === 0 ? null : { type: 'Polygon', coordinates: c };
    }
    case 'MultiPolygon': {
      const c = arr(o.coordinates, 'MultiPolygon coordinates').map(rings).filter((p) => p.length > 0);
      return c.length === 0 ? null : { type: 'MultiPolygon', coordinates: c };
    }
    case 'GeometryCollection': {
      const gs = arr(o.geometries, 'GeometryCollection geometries').map((x) => geometryFromGeoJson(x, depth + 1)).filter((x): x is Geometry => x !== null);
      return gs.length === 0 ? null : { type: 'GeometryCollection', geometries: gs };
    }
    default:
      throw new GeometryError(`unsupported geometry type ${JSON.stringify(o.type)}`);
  }
}
