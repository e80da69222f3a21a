/**
 * Features in longitude/latitude that cross the antimeridian (a ring going
 * from 179.9 to -179.9) are stored with a jump of ~360 degrees; read naively
 * they span the whole globe. They are split at ±180 before projecting (as
 * GDAL's OGRGeometryFactory::transformWithOptions WRAPDATELINE does): the
 * geometry is unwrapped (negative longitudes + 360) so it is continuous, cut
 * along the meridian 180 (Sutherland-Hodgman against one line for rings,
 * interpolated cut points for lines), and the eastern part moved back by
 * -360, so every part lies within [-180, 180] and projects on its own side.
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

/** A ring clipped to the half-plane x <= c (left) or x >= c (right): Sutherland-Hodgman against one vertical line. */
export function clipRing(ring: Position[], c: number, left: boolean): Position[] {
  const inside = (p: Position): boolean => (left ? p[0] <= c : p[0] >= c);
  const out: Position[] = [];
  const n = ring.length > 1 && ring[0]?.[0] === ring[ring.length - 1]?.[0] && ring[0]?.[1] === ring[ring.length - 1]?.[1] ? ring.length - 1 : ring.length;
  for (let i = 0; i < n; i++) {
    const a = ring[i] as Position;
    const b = ring[(i + 1) % n] as Position;
    const ia = inside(a);
    const ib = inside(b);
    if (ia) out.push(a);
    if (ia !== ib && a[0] !== b[0]) {
      const t = (c - a[0]) / (b[0] - a[0]);
      out.push([c, a[1] + t * (b[1] - a[1])]);
    }
  }
  if (out.length < 3) return [];
  out.push(out[0] as Position);
  return out;
}

/** A line (unwrapped, continuous) cut where it crosses x = 180: the parts, in order. */
function cutLine(line: Position[]): Position[][] {
  const parts: Position[][] = [];
  let cur: Position[] = [];
  for (let i = 0; i < line.length; i++) {
    const b = line[i] as Position;
    const a = i > 0 ? (line[i - 1] as Position) : null;
    if (a && (a[0] - 180) * (b[0] - 180) < 0) {
      const t = (180 - a[0]) / (b[0] - a[0]);
      const m: Position = [180, a[1] + t * (b[1] - a[1])];
      cur.push(m);
      parts.push(cur);
      cur = [m];
    }
    cur.push(b);
  }
  if (cur.length > 1) parts.push(cur);
  return parts;
}

/** A part east of 180 (in unwrapped longitudes) moved back into [-180, 180]. */
function westward(cs: Position[]): Position[] {
  return cs.every((p) => p[0] >= 180) ? cs.map((p) => [p[0] - 360, p[1]]) : cs;
}

/**
 * A longitude/latitude geometry that crosses the antimeridian, split into
 * parts that each lie within [-180, 180]: polygons become a MultiPolygon (one
 * part per side; holes clipped with their polygon), lines a MultiLineString;
 * points are unchanged. Geometries that do not cross are returned as they are.
 */
export function splitAntimeridian(g: Geometry): Geometry {
  if (!crossesAntimeridian(g)) return g;
  const u = unwrapLongitudes(g);
  switch (u.type) {
    case 'Point': case 'MultiPoint': return g;
    case 'LineString': return { type: 'MultiLineString', coordinates: cutLine(u.coordinates).map(westward) };
    case 'MultiLineString': return { type: 'MultiLineString', coordinates: u.coordinates.flatMap(cutLine).map(westward) };
    case 'Polygon': case 'MultiPolygon': {
      const polys = u.type === 'Polygon' ? [u.coordinates] : u.coordinates;
      const out: Position[][][] = [];
      for (const poly of polys) {
        for (const left of [true, false]) {
          const rings = poly.map((r) => clipRing(r, 180, left));
          const shell = rings[0];
          if (!shell || shell.length === 0) continue;
          const part = [shell, ...rings.slice(1).filter((r) => r.length > 0)];
          out.push(left ? part : part.map((r) => r.map((p) => [p[0] - 360, p[1]] as Position)));
        }
      }
      return { type: 'MultiPolygon', coordinates: out };
    }
    case 'GeometryCollection': return { type: 'GeometryCollection', geometries: g.type === 'GeometryCollection' ? g.geometries.map(splitAntimeridian) : [] };
  }
}
