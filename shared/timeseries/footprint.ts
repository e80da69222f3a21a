/**
 * Whether an item's footprint (its STAC `geometry`, else its `bbox`, both in
 * lon/lat) touches a feature (in lon/lat): bounding boxes first, then a
 * vertex of either inside the other or two edges crossing (boundaries
 * touching count as touching).
 */
import type { BBox, Geometry, Position } from '../geometry/types';
import { geometryBBox } from '../geometry/bbox';

type Ring = readonly Position[];

/** A polygonal footprint as a list of polygons (outer ring first, then holes). */
export type Footprint = Ring[][];

/** The polygons of a Polygon/MultiPolygon footprint; null for anything else (the bbox is used then). */
export function footprintOf(g: Geometry | null | undefined): Footprint | null {
  if (!g) return null;
  if (g.type === 'Polygon') return [g.coordinates];
  if (g.type === 'MultiPolygon') return g.coordinates;
  return null;
}

function boxesTouch(a: BBox, b: BBox): boolean {
  return a.xmin <= b.xmax && a.xmax >= b.xmin && a.ymin <= b.ymax && a.ymax >= b.ymin;
}

function inRings(p: Position, rings: readonly Ring[]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const a = ring[i] as Position;
      const b = ring[j] as Position;
      if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
    }
  }
  return inside;
}

function inPolygons(p: Position, polys: Footprint): boolean {
  return polys.some((rings) => inRings(p, rings));
}

function orient(a: Position, b: Position, c: Position): number {
  const v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(a: Position, b: Position, p: Position): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

function segmentsTouch(a: Position, b: Position, c: Position, d: Position): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d)) || (o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b));
}

/** The vertices, the segments (as lines/rings) and the polygons of a geometry. */
function parts(g: Geometry, out: { points: Position[]; lines: Ring[]; polys: Footprint }): void {
  switch (g.type) {
    case 'Point': out.points.push(g.coordinates); out.lines.push([g.coordinates, g.coordinates]); break;
    case 'MultiPoint': for (const p of g.coordinates) { out.points.push(p); out.lines.push([p, p]); } break;
    case 'LineString': out.lines.push(g.coordinates); out.points.push(...g.coordinates); break;
    case 'MultiLineString': for (const l of g.coordinates) { out.lines.push(l); out.points.push(...l); } break;
    case 'Polygon': out.polys.push(g.coordinates); for (const r of g.coordinates) { out.lines.push(r); out.points.push(...r); } break;
    case 'MultiPolygon': for (const p of g.coordinates) { out.polys.push(p); for (const r of p) { out.lines.push(r); out.points.push(...r); } } break;
    case 'GeometryCollection': for (const m of g.geometries) parts(m, out); break;
  }
}

/** True when the footprint (polygons, or the bbox when null) touches the geometry. */
export function footprintTouches(footprint: Footprint | null, bbox: BBox | null, g: Geometry): boolean {
  const gb = geometryBBox(g);
  if (!gb) return false;
  if (bbox && !boxesTouch(bbox, gb)) return false;
  if (!footprint) return bbox === null || boxesTouch(bbox, gb);
  const f = { points: [] as Position[], lines: [] as Ring[], polys: [] as Footprint };
  parts(g, f);
  if (f.points.some((p) => inPolygons(p, footprint))) return true;
  for (const rings of footprint) for (const ring of rings) if (ring.some((p) => inPolygons(p, f.polys))) return true;
  for (const rings of footprint) {
    for (const ring of rings) {
      for (let i = 1; i < ring.length; i++) {
        const a = ring[i - 1] as Position;
        const b = ring[i] as Position;
        for (const line of f.lines) for (let j = 1; j < line.length; j++) if (segmentsTouch(a, b, line[j - 1] as Position, line[j] as Position)) return true;
      }
    }
  }
  return false;
}
