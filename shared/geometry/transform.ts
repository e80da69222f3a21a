/** Coordinate transformation of a geometry (a new geometry; the input is never mutated). */
import type { Geometry, Position } from './types';

/** Applies `fn` to every position. */
export function transformGeometry(g: Geometry, fn: (x: number, y: number) => [number, number]): Geometry {
  const p = (c: Position): Position => fn(c[0], c[1]);
  const l = (cs: Position[]): Position[] => cs.map(p);
  switch (g.type) {
    case 'Point': return { type: 'Point', coordinates: p(g.coordinates) };
    case 'MultiPoint': return { type: 'MultiPoint', coordinates: l(g.coordinates) };
    case 'LineString': return { type: 'LineString', coordinates: l(g.coordinates) };
    case 'MultiLineString': return { type: 'MultiLineString', coordinates: g.coordinates.map(l) };
    case 'Polygon': return { type: 'Polygon', coordinates: g.coordinates.map(l) };
    case 'MultiPolygon': return { type: 'MultiPolygon', coordinates: g.coordinates.map((poly) => poly.map(l)) };
    case 'GeometryCollection': return { type: 'GeometryCollection', geometries: g.geometries.map((x) => transformGeometry(x, fn)) };
  }
}
