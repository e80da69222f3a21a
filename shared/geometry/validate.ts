/**
 * Geometry checks that decide whether a feature can be computed at all:
 * non-finite coordinates, rings with fewer than 4 positions, unclosed rings,
 * self-intersecting rings (a bowtie has no meaningful area: the user is told
 * where it crosses and how to repair it, rather than given a silently wrong
 * number), lines with fewer than 2 positions. Returns the reason, or null.
 * Self-intersection is found with a sweep over x-sorted segments
 * (O(n log n + pairs overlapping in x), capped by SELF_INTERSECTION_BUDGET);
 * rings crossing each other (a hole crossing its shell) are not checked.
 */
import type { Geometry, Position } from './types';

function ringProblem(r: Position[], what: string): string | null {
  if (r.length < 4) return `${what} has ${r.length} position${r.length === 1 ? '' : 's'}; a ring needs at least 4`;
  const a = r[0] as Position;
  const b = r[r.length - 1] as Position;
  if (a[0] !== b[0] || a[1] !== b[1]) return `${what} is not closed (first (${a[0]}, ${a[1]}) != last (${b[0]}, ${b[1]}))`;
  return null;
}

/**
 * Segment pairs the self-intersection sweep may test per ring before it gives
 * up (a comb-shaped ring whose edges all overlap in x is quadratic): past the
 * budget the ring is accepted unchecked rather than stalling a worker.
 */
export const SELF_INTERSECTION_BUDGET = 20_000_000;

/** The first crossing or touching of two non-adjacent edges of a closed ring, or null (also when the pair budget runs out). */
export function ringSelfIntersection(ring: readonly Position[], budget = SELF_INTERSECTION_BUDGET): Position | null {
  if (ring.length <= SMALL_RING + 1) {
    const hit = smallRingSelfIntersection(ring, budget);
    if (hit !== NOT_SMALL) return hit;
  }
  return sweepSelfIntersection(ring, budget);
}

/** {@link ringSelfIntersection}'s general path, for rings of any size (exported for the test that holds the small-ring path to it). */
export function sweepSelfIntersection(ring: readonly Position[], budget = SELF_INTERSECTION_BUDGET): Position | null {
  let left = budget;
  const pts: Position[] = [];
  for (const p of ring) {
    const last = pts[pts.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p);
  }
  const n = pts.length - 1; // segments i: pts[i] -> pts[i+1]; pts[n] == pts[0]
  if (n < 3) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.min((pts[a] as Position)[0], (pts[a + 1] as Position)[0]) - Math.min((pts[b] as Position)[0], (pts[b + 1] as Position)[0]));
  for (let oi = 0; oi < n; oi++) {
    const i = order[oi] as number;
    const a = pts[i] as Position;
    const b = pts[i + 1] as Position;
    const maxX = Math.max(a[0], b[0]);
    for (let oj = oi + 1; oj < n; oj++) {
      const j = order[oj] as number;
      const c = pts[j] as Position;
      const d = pts[j + 1] as Position;
      if (Math.min(c[0], d[0]) > maxX) break;
      if (--left < 0) return null;
      if (Math.abs(i - j) === 1 || Math.abs(i - j) === n - 1) {
        // adjacent edges share one vertex; they are invalid only if they overlap (fold back)
        if (collinearOverlap(a, b, c, d)) return i < j ? (pts[j] as Position) : (pts[i] as Position);
        continue;
      }
      const hit = segmentsIntersect(a, b, c, d);
      if (hit) return hit;
    }
  }
  return null;
}

/** Rings of up to this many positions (a field's 5-20) take {@link smallRingSelfIntersection}. */
const SMALL_RING = 64;
/** What {@link smallRingSelfIntersection} answers for a ring it leaves to the general sweep (a non-finite x). */
const NOT_SMALL: Position = [NaN, NaN];
// reused by every small ring: the kept positions' indices, the segments' order and their smallest x
const keptAt = new Int32Array(SMALL_RING + 1);
const orderOf = new Int32Array(SMALL_RING);
const minXOf = new Float64Array(SMALL_RING);

/**
 * {@link ringSelfIntersection} for a small ring without allocating: the same sweep, the same pairs visited
 * in the same order (segments ordered by their smallest x with a stable insertion sort, as the general
 * path's stable Array sort orders them), so the same first crossing is found. NOT_SMALL when a position's x
 * is not finite (the general path's comparator then decides the order).
 */
function smallRingSelfIntersection(ring: readonly Position[], budget: number): Position | null {
  let kept = 0;
  for (let k = 0; k < ring.length; k++) {
    const p = ring[k] as Position;
    if (!Number.isFinite(p[0])) return NOT_SMALL;
    const prev = kept > 0 ? (ring[keptAt[kept - 1] as number] as Position) : null;
    if (prev === null || prev[0] !== p[0] || prev[1] !== p[1]) keptAt[kept++] = k;
  }
  const at = (i: number): Position => ring[keptAt[i] as number] as Position;
  const n = kept - 1;
  if (n < 3) return null;
  for (let i = 0; i < n; i++) {
    const x = Math.min(at(i)[0], at(i + 1)[0]);
    // stable insertion: after every earlier segment with the same smallest x
    let o = i;
    while (o > 0 && (minXOf[o - 1] as number) > x) {
      minXOf[o] = minXOf[o - 1] as number;
      orderOf[o] = orderOf[o - 1] as number;
      o--;
    }
    minXOf[o] = x;
    orderOf[o] = i;
  }
  let left = budget;
  for (let oi = 0; oi < n; oi++) {
    const i = orderOf[oi] as number;
    const a = at(i);
    const b = at(i + 1);
    const maxX = Math.max(a[0], b[0]);
    for (let oj = oi + 1; oj < n; oj++) {
      if ((minXOf[oj] as number) > maxX) break;
      const j = orderOf[oj] as number;
      const c = at(j);
      const d = at(j + 1);
      if (--left < 0) return null;
      if (Math.abs(i - j) === 1 || Math.abs(i - j) === n - 1) {
        if (collinearOverlap(a, b, c, d)) return i < j ? c : a;
        continue;
      }
      const hit = segmentsIntersect(a, b, c, d);
      if (hit) return hit;
    }
  }
  return null;
}

function cross(o: Position, a: Position, b: Position): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

function onSegment(p: Position, a: Position, b: Position): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

function collinearOverlap(a: Position, b: Position, c: Position, d: Position): boolean {
  if (cross(a, b, c) !== 0 || cross(a, b, d) !== 0) return false;
  // the shared vertex is one endpoint of each; overlap when the other endpoints lie on the same side
  const shared = a[0] === c[0] && a[1] === c[1] ? [a, b, d] : a[0] === d[0] && a[1] === d[1] ? [a, b, c] : b[0] === c[0] && b[1] === c[1] ? [b, a, d] : [b, a, c];
  const [s, p, q] = shared as [Position, Position, Position];
  return (p[0] - s[0]) * (q[0] - s[0]) + (p[1] - s[1]) * (q[1] - s[1]) > 0;
}

/** Where segments ab and cd meet (a point on both), or null. */
function segmentsIntersect(a: Position, b: Position, c: Position, d: Position): Position | null {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
    const t = d1 / (d1 - d2);
    return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
  }
  if (d1 === 0 && onSegment(a, c, d)) return a;
  if (d2 === 0 && onSegment(b, c, d)) return b;
  if (d3 === 0 && onSegment(c, a, b)) return c;
  if (d4 === 0 && onSegment(d, a, b)) return d;
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
    const name = i === 0 ? `the exterior ring of ${what}` : `hole ${i} of ${what}`;
    const p = ringProblem(r, name);
    if (p) return p;
    const x = ringSelfIntersection(r);
    if (x) return `${name} intersects itself at (${x[0]}, ${x[1]}); repair it (e.g. ST_MakeValid, shapely make_valid, ogr2ogr -makevalid)`;
  }
  return null;
}
