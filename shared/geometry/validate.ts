/**
 * Cheap geometry checks (O(vertices)) that decide whether a feature can be
 * computed at all: non-finite coordinates, rings with fewer than 4 positions,
 * unclosed rings, lines with fewer than 2 positions. Returns the reason, or
 * null. Self-intersections are not rejected: coverage of a self-intersecting
 * ring follows the even-odd/area sum of its pieces, as exactextract's does.
 */
import type { Geometry, Position } from './types';

function ringProblem(r: Position[], what: string): string | null {
  if (r.length < 4) return `${what} has ${r.length} position${r.length === 1 ? '' : 's'}; a ring needs at least 4`;
  const a = r[0] as Position;
  const b = r[r.length - 1] as Position;
  if (a[0] !== b[0] || a[1] !== b[1]) return `${what} is not closed (first (${a[0]}, ${a[1]}) != last (${b[0]}, ${b[1]}))`;
  return null;
}

function coordsProblem(ps: readonly Position[]): string | null {
  for (const p of ps) if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) return `coordinate (${p[0]}, ${p[1]}) is not a finite number`;
  return null;
}

/** Why the geometry cannot be used, or null. */
export function geometryProblem(g: Geometry): string | null {
  switch (g.type) {
    case 'Point': return coordsProblem([g.coordinates]);
    case 'MultiPoint': return coordsProblem(g.coordinates);
    case 'LineString': return g.coordinates.length < 2 ? 'a line needs at least 2 positions' : coordsProblem(g.coordinates);
    case 'MultiLineString':
      for (const l of g.coordinates) {
        const p = l.length < 2 ? 'a line needs at least 2 positions' : coordsProblem(l);
        if (p) return p;
      }
      return null;
    case 'Polygon': return polygonProblem(g.coordinates, 'polygon');
    case 'MultiPolygon':
      for (let i = 0; i < g.coordinates.length; i++) {
        const p = polygonProblem(g.coordinates[i] ?? [], `part ${i + 1}`);
        if (p) return p;
      }
      return null;
    case 'GeometryCollection':
      for (const x of g.geometries) {
        const p = geometryProblem(x);
        if (p) return p;
      }
      return null;
  }
}

function polygonProblem(rings: Position[][], what: string): string | null {
  for (let i = 0; i < rings.length; i++) {
    const r = rings[i] ?? [];
    const c = coordsProblem(r);
    if (c) return c;
    const p = ringProblem(r, i === 0 ? `the exterior ring of ${what}` : `hole ${i} of ${what}`);
    if (p) return p;
  }
  return null;
}
