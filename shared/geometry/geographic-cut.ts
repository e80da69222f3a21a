/**
 * A geometry in a projected (or any non-lon/lat) CRS transformed into a longitude/latitude CRS, cut where it
 * crosses the antimeridian and closed over the pole it encloses, as GDAL's ogr2ogr does it
 * (ogr/ogrgeometryfactory.cpp, OGRGeometryFactory::transformWithOptions, GDAL 3.x):
 *
 * - a *polar* projection (GDAL's IsPolarToGeographic: the pole projects to a finite point, and two points
 *   1e5 units either side of it come back 170°+ of longitude apart on the same latitude) has its geometries cut
 *   along the half-meridian 180 from the pole to the equator (TransformBeforePolarToGeographic: the difference
 *   with a sliver 1e-9° wide along it), so a polygon enclosing the pole becomes one ring running along ±180
 *   down to the pole (vertices (180, -90), (-180, -90) once SnapCoordsCloseToLatLongBounds snaps them);
 * - any other projection has an edge cut where, following it in the projected CRS, the longitude jumps
 *   (CollectPointsOnAntimeridian: `(x2 - x1) * (lon2 - lon1) < 0`, the crossing found by dichotomy on the
 *   projected segment, 50 steps, to within 1e-8° of ±180, then TransformBeforeAntimeridianToGeographic).
 *
 * GDAL cuts in the source CRS with GEOS and then transforms the vertices (no densification: every edge stays a
 * straight line between transformed vertices, the cut points included). The same polygons are made here
 * directly in lon/lat: the vertices are transformed, the point where each crossing edge meets the antimeridian
 * (found on the projected edge, as GDAL finds it) is inserted on both sides (±180 exactly), the ring is unwrapped
 * into continuous longitudes and clipped into 360° windows, each moved back into [-180, 180]. A ring winding
 * once around the pole of a polar projection is closed along the pole's latitude (±90), as GDAL's cut makes it.
 * What GDAL leaves as it is (a crossing it cannot locate, a ring winding around a pole of a projection that is not
 * polar) is refused with a reason (a GeometryError), never computed the long way round the globe.
 */
import type { Geometry, Position } from './types';
import { clipRing } from './antimeridian';
import { GeometryError } from '../errors';

type XY = (x: number, y: number) => [number, number];

/** The transformation between a layer's CRS and a lon/lat CRS, for {@link cutAtAntimeridian}. */
export interface GeographicTarget {
  /** Layer CRS -> lon/lat (one point; NaN where PROJ cannot). */
  forward: XY;
  /** Lon/lat -> layer CRS (null: PROJ has none; then nothing is cut but around a pole). */
  inverse: XY | null;
  /** 1 or -1: the pole of a polar projection (GDAL's IsPolarToGeographic); 0: not polar. */
  polar: 1 | -1 | 0;
}

/** GDAL's IsPolarToGeographic (`inverse`: lon/lat -> layer CRS): 1 north polar, -1 south polar, 0 neither (or both). */
export function polarity(forward: XY, inverse: XY): 1 | -1 | 0 {
  const test = (sign: 1 | -1): boolean => {
    try {
      const [x, y] = inverse(0, sign * 90);
      if (!(Math.abs(x) < 1e10 && Math.abs(y) < 1e10)) return false;
      const p0 = forward(x, y);
      const p1 = forward(x - 1e5, y - 1e5);
      const p2 = forward(x + 1e5, y + 1e5);
      return Math.abs(p0[1] - sign * 90) < 1e-10 && Math.abs(p2[0] - p1[0]) > 170 && Math.abs(p2[1] - p1[1]) < 1e-10;
    } catch {
      return false;
    }
  };
  const n = test(1);
  const s = test(-1);
  if (n === s) return 0;
  return n ? 1 : -1;
}

/** Whether the edge from source a (lon/lat la) to b (lb) crosses the antimeridian (see the module's comment). */
function crosses(t: GeographicTarget, a: Position, b: Position, la: number, lb: number): boolean {
  if (t.polar !== 0) return Math.abs(lb - la) > 180; // a straight edge turns less than 180° around the pole
  return ((b[0] - a[0]) * (lb - la) < 0) || (a[0] === b[0] && lb * la < 0 && Math.abs(Math.abs(la) - 180) < 10 && Math.abs(Math.abs(lb) - 180) < 10);
}

/** The latitude where the projected edge a-b crosses the antimeridian (dichotomy as GDAL's, 50 steps, 1e-8°); null: not found. */
function crossingLatitude(t: GeographicTarget, a: Position, b: Position, la: number, lb: number): number | null {
  let s: Position = a;
  let e: Position = b;
  let ls = la;
  let le = lb;
  const EPS = 1e-8;
  let iter = 0;
  for (; iter < 50 && (Math.abs(Math.abs(ls) - 180) > EPS || Math.abs(Math.abs(le) - 180) > EPS); iter++) {
    const m: Position = [(s[0] + e[0]) / 2, (s[1] + e[1]) / 2];
    const lm = t.forward(m[0], m[1])[0];
    if (!Number.isFinite(lm)) return null;
    if (crosses(t, s, m, ls, lm)) {
      e = m;
      le = lm;
    } else {
      s = m;
      ls = lm;
    }
  }
  if (iter >= 50) return null; // GDAL then makes no cut point
  const lat = t.forward((s[0] + e[0]) / 2, (s[1] + e[1]) / 2)[1];
  return Number.isFinite(lat) ? lat : null;
}

/**
 * Whether `source` (`local`: the same geometry transformed vertex by vertex into lon/lat) is cut (an edge crosses the
 * antimeridian where GDAL cuts), or refused ('winds': a ring winds around a pole GDAL cuts no pole of).
 */
function assess(t: GeographicTarget, source: Geometry, local: Geometry): 'none' | 'cut' | 'winds' {
  const src = runs(source);
  const dst = runs(local);
  let any = false;
  for (let r = 0; r < src.length && !any; r++) {
    const s = src[r] as Position[];
    const d = dst[r] as Position[];
    for (let i = 1; i < s.length; i++) {
      if (crosses(t, s[i - 1] as Position, s[i] as Position, (d[i - 1] as Position)[0], (d[i] as Position)[0])) {
        any = true;
        break;
      }
    }
  }
  if (!any) return 'none';
  if (t.polar !== 0 || antimeridianInside(t, src)) return 'cut';
  // not cut: a ring that winds around the globe in lon/lat (its longitude steps, each taken the short way, add up to
  // ±360) encloses a pole and would be measured the long way round
  for (const run of dst) {
    let turn = 0;
    for (let i = 1; i < run.length; i++) {
      const d = (run[i] as Position)[0] - (run[i - 1] as Position)[0];
      turn += d > 180 ? d - 360 : d < -180 ? d + 360 : d;
    }
    if (run.length > 3 && Math.abs(turn) > 180) return 'winds';
  }
  return 'none';
}

/** Whether {@link cutAtAntimeridian} changes (or refuses) `source`, `local` the same geometry in lon/lat. */
export function needsCut(t: GeographicTarget, source: Geometry, local: Geometry): boolean {
  return assess(t, source, local) !== 'none';
}

/**
 * Not polar: GDAL cuts only where the projection is continuous across the antimeridian at the geometry's mean latitude
 * (IsAntimeridianProjToGeographic: lon/lat 180 - 1e-8 and -180 + 1e-8 project within 1 unit of each other and
 * come back within 2e-8°) and the antimeridian passes through the geometry's box (TransformBeforeAntimeridianToGeographic).
 */
function antimeridianInside(t: GeographicTarget, src: Position[][]): boolean {
  const inv = t.inverse;
  if (!inv) return false;
  let xmin = Infinity;
  let ymin = Infinity;
  let xmax = -Infinity;
  let ymax = -Infinity;
  for (const run of src) {
    for (const p of run) {
      xmin = Math.min(xmin, p[0]);
      xmax = Math.max(xmax, p[0]);
      ymin = Math.min(ymin, p[1]);
      ymax = Math.max(ymax, p[1]);
    }
  }
  try {
    const lat = t.forward(xmin, (ymin + ymax) / 2)[1];
    const EPS = 1e-8;
    const a = inv(180 - EPS, lat);
    const b = inv(-180 + EPS, lat);
    if (!(Math.hypot(b[0] - a[0], b[1] - a[1]) <= 1)) return false;
    const a2 = t.forward(a[0], a[1]);
    const b2 = t.forward(b[0], b[1]);
    if (!(Math.hypot(a2[0] - (180 - EPS), a2[1] - lat) <= 2 * EPS && Math.hypot(b2[0] - (-180 + EPS), b2[1] - lat) <= 2 * EPS)) return false;
    const m = inv(180, lat);
    return m[0] >= xmin && m[1] >= ymin && m[0] <= xmax && m[1] <= ymax;
  } catch {
    return false;
  }
}

function runs(g: Geometry): Position[][] {
  switch (g.type) {
    case 'Point': case 'MultiPoint': return [];
    case 'LineString': return [g.coordinates];
    case 'MultiLineString': case 'Polygon': return g.coordinates;
    case 'MultiPolygon': return g.coordinates.flat();
    case 'GeometryCollection': return g.geometries.flatMap(runs);
  }
}

/**
 * A run (ring or line) in continuous longitudes: each vertex's longitude moved by a multiple of 360 so that the
 * run never jumps, with the crossing points inserted (exactly on 180 + 360k). `turns`: the net number of windows
 * crossed (a closed ring: 0, or ±1 when it winds around a pole).
 */
function unwrapRun(t: GeographicTarget, src: Position[], dst: Position[]): { run: Position[]; turns: number } {
  const run: Position[] = [];
  let offset = 0;
  for (let i = 0; i < src.length; i++) {
    const b = dst[i] as Position;
    if (i > 0) {
      const a = dst[i - 1] as Position;
      const sa = src[i - 1] as Position;
      const sb = src[i] as Position;
      if (crosses(t, sa, sb, a[0], b[0])) {
        const lat = crossingLatitude(t, sa, sb, a[0], b[0]);
        if (lat === null) throw new GeometryError(`its edge from (${sa[0]}, ${sa[1]}) to (${sb[0]}, ${sb[1]}) crosses the antimeridian once in longitude/latitude, at a point PROJ cannot locate: refused rather than computed the long way round`);
        // eastward across 180 when the edge leaves from the eastern half, else westward across -180
        const east = a[0] > 0;
        const edge = (east ? 180 : -180) + offset;
        run.push([edge, lat]);
        offset += east ? 360 : -360;
        run.push([edge, lat]);
      }
    }
    run.push([b[0] + offset, b[1]]);
  }
  return { run, turns: Math.round(offset / 360) };
}

/** The windows [-180 + 360k, 180 + 360k] a run's longitudes reach (with some width). */
function windows(run: readonly Position[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of run) {
    lo = Math.min(lo, p[0]);
    hi = Math.max(hi, p[0]);
  }
  const ks: number[] = [];
  for (let k = Math.floor((lo + 180) / 360); k * 360 - 180 < hi; k++) ks.push(k);
  return ks;
}

function shift(run: readonly Position[], dx: number): Position[] {
  return run.map((p) => [p[0] + dx, p[1]]);
}

function windsMessage(turns: number): string {
  return `a ring winds ${turns} time(s) around a pole once in longitude/latitude, from a CRS in which GDAL cuts no pole (not a polar projection): refused rather than computed the long way round`;
}

/** A closed ring unwrapped and, when it winds around the pole, closed along the pole's latitude. */
function unwrapRing(t: GeographicTarget, src: Position[], dst: Position[]): Position[] {
  const { run, turns } = unwrapRun(t, src, dst);
  if (turns === 0) return run;
  if (Math.abs(turns) !== 1 || t.polar === 0) throw new GeometryError(windsMessage(Math.abs(turns)));
  // the ring ends 360° from where it starts: close it along the pole's latitude (GDAL's cut reaches the pole)
  const pole = t.polar * 90;
  const first = run[0] as Position;
  const last = run[run.length - 1] as Position;
  return [...run.slice(0, -1), [last[0], last[1]], [last[0], pole], [first[0], pole], [first[0], first[1]]];
}

function cutPolygon(t: GeographicTarget, src: Position[][], dst: Position[][]): Position[][][] {
  const rings = src.map((s, r) => unwrapRing(t, s, dst[r] as Position[]));
  const shell = rings[0];
  if (!shell) return [];
  const out: Position[][][] = [];
  for (const k of windows(shell)) {
    const lo = -180 + 360 * k;
    const hi = 180 + 360 * k;
    const clip = (ring: Position[]): Position[] => {
      const a = clipRing(ring, lo, false);
      const b = a.length > 0 ? clipRing(a, hi, true) : [];
      return b.length > 0 ? shift(b, -360 * k) : [];
    };
    const s = clip(shell);
    if (s.length === 0) continue;
    out.push([s, ...rings.slice(1).map(clip).filter((h) => h.length > 0)]);
  }
  return out;
}

function cutLine(t: GeographicTarget, src: Position[], dst: Position[]): Position[][] {
  const { run } = unwrapRun(t, src, dst);
  // a part per window: cut at the inserted crossing points (two equal positions on a window's edge)
  const parts: Position[][] = [];
  let cur: Position[] = [];
  for (let i = 0; i < run.length; i++) {
    const p = run[i] as Position;
    const q = run[i + 1];
    cur.push(p);
    if (q && q[0] === p[0] && q[1] === p[1] && Math.abs(((p[0] % 360) + 360) % 360 - 180) < 1e-12) {
      parts.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) parts.push(cur);
  return parts.filter((l) => l.length > 1).map((l) => {
    const mid = l.reduce((s, p) => s + p[0], 0) / l.length;
    return shift(l, -360 * Math.round(mid / 360));
  });
}

/**
 * `local` (the geometry `source` transformed vertex by vertex into lon/lat) cut at the antimeridian and closed over
 * the pole as GDAL's transformWithOptions makes it (see the module's comment); `local` itself when nothing crosses.
 * Polygons become a MultiPolygon, lines a MultiLineString. GeometryError when it cannot be made exact.
 */
export function cutAtAntimeridian(t: GeographicTarget, source: Geometry, local: Geometry): Geometry {
  const how = assess(t, source, local);
  if (how === 'none') return local;
  if (how === 'winds') throw new GeometryError(windsMessage(1));
  switch (source.type) {
    case 'Point': case 'MultiPoint': return local;
    case 'LineString': return { type: 'MultiLineString', coordinates: cutLine(t, source.coordinates, (local as typeof source).coordinates) };
    case 'MultiLineString': return { type: 'MultiLineString', coordinates: source.coordinates.flatMap((l, i) => cutLine(t, l, (local as typeof source).coordinates[i] as Position[])) };
    case 'Polygon': return { type: 'MultiPolygon', coordinates: cutPolygon(t, source.coordinates, (local as typeof source).coordinates) };
    case 'MultiPolygon': return { type: 'MultiPolygon', coordinates: source.coordinates.flatMap((p, i) => cutPolygon(t, p, (local as typeof source).coordinates[i] as Position[][])) };
    case 'GeometryCollection': return { type: 'GeometryCollection', geometries: source.geometries.map((g, i) => cutAtAntimeridian(t, g, (local as typeof source).geometries[i] as Geometry)) };
  }
}
