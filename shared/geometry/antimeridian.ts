/**
 * Features in longitude/latitude that cross the antimeridian (a ring going
 * from 179.9 to -179.9) are stored with a jump of ~360 degrees; read naively
 * they span the whole globe. They are unwrapped (negative longitudes + 360)
 * so the geometry is continuous; on a longitude/latitude raster the copy
 * shifted by -360 covers the other side.
 */
import type { Geometry, Position } from './types';
import { transformGeometry } from './transform';

function lines(g: Geometry): Position[][] {
  switch (g.type) {
    case 'Point': return [];
    case 'MultiPoint': return [];
    case 'LineString': return [g.coordinates];
    case 'MultiLineString': case 'Polygon': return g.coordinates;
    case 'MultiPolygon': return g.coordinates.flat();
    case 'GeometryCollection': return g.geometries.flatMap(lines);
  }
}

/**
 * True when a ring or line jumps by more than 180 degrees of longitude between
 * two positions. An edge from -180 to +180 is not a jump (both ends are the
 * same meridian: a box from -180 to 180 is the whole world, as RFC 7946 reads it).
 */
export function crossesAntimeridian(g: Geometry): boolean {
  for (const l of lines(g)) {
    for (let i = 1; i < l.length; i++) {
      const a = (l[i - 1] as Position)[0];
      const b = (l[i] as Position)[0];
      if (Math.abs(b - a) > 180 && !(Math.abs(a) === 180 && Math.abs(b) === 180)) return true;
    }
  }
  return false;
}

/** The geometry with negative longitudes moved by +360 (continuous across the antimeridian). */
export function unwrapLongitudes(g: Geometry): Geometry {
  return transformGeometry(g, (x, y) => [x < 0 ? x + 360 : x, y]);
}

/** Polygonal parts of a geometry and their copy shifted by `dx` degrees, as one MultiPolygon (other kinds: a collection). */
export function withShiftedCopy(g: Geometry, dx: number): Geometry {
  const shifted = transformGeometry(g, (x, y) => [x + dx, y]);
  if (g.type === 'Polygon' && shifted.type === 'Polygon') return { type: 'MultiPolygon', coordinates: [g.coordinates, shifted.coordinates] };
  if (g.type === 'MultiPolygon' && shifted.type === 'MultiPolygon') return { type: 'MultiPolygon', coordinates: [...g.coordinates, ...shifted.coordinates] };
  return { type: 'GeometryCollection', geometries: [g, shifted] };
}
