/**
 * Cell-centre selection, as GDAL's polygon rasterizer (`GDALdllImageFilledPolygon`
 * in alg/llrasterize.cpp, used by rasterio `geometry_mask` and rasterstats'
 * default): for each row, the scanline through the cell centres (v = r + 0.5,
 * grid units) crosses the edges whose half-open range [vlow, vhigh) contains it
 * (x = (v − v1)(u2 − u1)/(v2 − v1) + u1 from the lower end, GDAL's formula);
 * crossings are sorted and cells filled between pairs from floor(uL + 0.5) to
 * floor(uR + 0.5) − 1: a centre exactly on the left crossing is out, exactly on
 * the right one in. Even-odd over all rings of one polygon part; parts are
 * unioned, as GDAL 3.6.2 burns them when they overlap (a cell in two parts, or
 * in one part's hole and another part, is selected once: rasterio 1.3.5
 * `geometry_mask` in test/fixtures/overlapping-parts).
 *
 * A horizontal edge lying exactly on a scanline crosses nothing; GDAL fills it on
 * its own, cells floor(u_min + 0.5) .. floor(u_max + 0.5) − 1, when it runs
 * leftwards (u1 > u2) after `GDALCollectRingsFromGeometry` (alg/gdalrasterize.cpp)
 * has made every ring, exterior and hole alike, clockwise in world coordinates
 * (`OGRLinearRing::isClockwise`, mirrored by {@link ogrIsClockwise}). So the
 * input's orientation never matters: an edge is filled when (u1 > u2) equals
 * "the ring is clockwise as given". With y up and rows down, that is each ring's
 * bottom edge (the row below the interior of an exterior ring, or below a hole:
 * the row on a hole's bottom edge is selected, the row on its top edge is not);
 * the top edges' rows come from the half-open rule. Oracle: GDAL 3.6.2
 * (rasterio 1.3.5 `geometry_mask`, gdal_rasterize) in test/fixtures/center-ties.
 *
 * Rings go to pixel/line space as GDAL takes them there, with its inverse geotransform
 * (u = inv0 + x·inv1, not (x − X0) / res): where 1/res is inexact a vertex or edge exactly
 * on a cell centre in world units can land a few ulps to one side, and GDAL's cells are the
 * ones that side gives (fixtures/center-grids: Sentinel-2, Landsat, Web Mercator and
 * geographic grids, where the last two differed; GDAL 3.6.2 RasterizeLayer, rasterio 1.3.5).
 *
 * Cost: O(crossings + window cells): each edge drops its crossings into the
 * buckets of the rows it spans, then each row sorts its own few crossings.
 */
import type { Position } from '../geometry/types';
import type { RasterGrid, Window } from '../raster/grid';
import { gdalInvGeoTransform } from './coverage.lines-gdal';

/** Centre coverage (0/1) of polygons over a window. */
export function centerCoverage(polygons: readonly Position[][][], grid: RasterGrid, w: Window): Float64Array {
  const out = new Float64Array(w.rows * w.cols);
  const rEnd = w.row0 + w.rows;
  const cLast = w.col0 + w.cols - 1;
  const buckets: number[][] = Array.from({ length: w.rows }, () => []);
  const used: number[] = [];
  const fill = (r: number, left: number, right: number): void => {
    const lo = Math.max(left, w.col0);
    const hi = Math.min(right, cLast);
    const base = (r - w.row0) * w.cols - w.col0;
    for (let c = lo; c <= hi; c++) out[base + c] = 1;
  };
  const inv = gdalInvGeoTransform(grid);
  for (const part of polygons) {
    const rings = part.map((ring) => pixelRing(ring, inv));
    for (let k = 0; k < rings.length; k++) {
      const ring = rings[k] as Float64Array;
      const n = ring.length / 2;
      const clockwise = ogrIsClockwise(part[k] as Position[]);
      for (let i = 0; i + 1 < n; i++) {
        let x1 = ring[2 * i] as number;
        let y1 = ring[2 * i + 1] as number;
        let x2 = ring[2 * i + 2] as number;
        let y2 = ring[2 * i + 3] as number;
        if (y1 === y2) {
          // a horizontal edge lying exactly on a scanline: filled when leftward once the ring is clockwise (see the header)
          const r = y1 - 0.5;
          if (x1 !== x2 && x1 > x2 === clockwise && Number.isInteger(r) && r >= w.row0 && r < rEnd) {
            fill(r, Math.floor(Math.min(x1, x2) + 0.5), Math.floor(Math.max(x1, x2) + 0.5) - 1);
          }
          continue;
        }
        if (y1 > y2) {
          [x1, x2] = [x2, x1];
          [y1, y2] = [y2, y1];
        }
        // rows whose centre r + 0.5 lies in [y1, y2)
        const first = Math.max(Math.ceil(y1 - 0.5) - 1, w.row0);
        const last = Math.min(Math.ceil(y2 - 0.5), rEnd - 1);
        for (let r = first; r <= last; r++) {
          const y = r + 0.5;
          if (!(y < y2 && y >= y1)) continue; // the range above is one row wider each side: GDAL's test decides
          const b = buckets[r - w.row0] as number[];
          if (b.length === 0) used.push(r);
          b.push(((y - y1) * (x2 - x1)) / (y2 - y1) + x1);
        }
      }
    }
    for (const r of used) {
      const xs = buckets[r - w.row0] as number[];
      xs.sort((a, b) => a - b);
      for (let i = 0; i + 1 < xs.length; i += 2) fill(r, Math.floor((xs[i] as number) + 0.5), Math.floor((xs[i + 1] as number) + 0.5) - 1);
      xs.length = 0;
    }
    used.length = 0;
  }
  return out;
}

/** A ring in GDAL pixel/line units (inverse geotransform `inv`, {@link gdalInvGeoTransform}), closed when it is not. */
function pixelRing(ring: readonly Position[], inv: readonly [number, number, number, number]): Float64Array {
  const first = ring[0];
  const last = ring[ring.length - 1];
  const open = first !== undefined && last !== undefined && (first[0] !== last[0] || first[1] !== last[1]);
  const n = ring.length + (open ? 1 : 0);
  const out = new Float64Array(2 * n);
  const [inv0, inv1, inv3, inv5] = inv;
  for (let i = 0; i < n; i++) {
    const p = ring[i % ring.length] as Position;
    out[2 * i] = inv0 + p[0] * inv1;
    out[2 * i + 1] = inv3 + p[1] * inv5;
  }
  return out;
}

/**
 * OGR's `OGRLinearRing::isClockwise` (ogr/ogrlinearring.cpp, GDAL 3.6) on a ring in world
 * coordinates (y up), closed here when it is not: the turn at the lowest, then rightmost vertex
 * (the first of them), unless that vertex repeats or a neighbour lies within 1e-5 of it in both
 * coordinates; then the sign of the shoelace sum. A ring of fewer than 2 positions is clockwise.
 * For a simple ring this is the sign of its area; for a self-intersecting one it is OGR's answer,
 * which decides which of its horizontal edges GDAL fills.
 */
export function ogrIsClockwise(ring: readonly Position[]): boolean {
  const first = ring[0];
  const last = ring[ring.length - 1];
  const closed = first !== undefined && last !== undefined && first[0] === last[0] && first[1] === last[1];
  const n = ring.length + (closed ? 0 : 1);
  if (n < 2) return true;
  const X = (i: number): number => (ring[i % ring.length] as Position)[0];
  const Y = (i: number): number => (ring[i % ring.length] as Position)[1];
  let fallback = false;
  let v = 0;
  for (let i = 1; i < n - 1; i++) {
    if (Y(i) < Y(v) || (Y(i) === Y(v) && X(i) > X(v))) {
      v = i;
      fallback = false;
    } else if (Y(i) === Y(v) && X(i) === X(v)) {
      fallback = true; // the lowest rightmost vertex repeats: no pivot (GDAL #5342)
    }
  }
  const EPS = 1e-5;
  const near = (i: number): boolean => Math.abs(X(i) - X(v)) < EPS && Math.abs(Y(i) - Y(v)) < EPS;
  const prev = v - 1 < 0 ? n - 2 : v - 1;
  if (near(prev)) fallback = true;
  const dx0 = X(prev) - X(v);
  const dy0 = Y(prev) - Y(v);
  const next = v + 1 >= n - 1 ? 0 : v + 1;
  if (near(next)) fallback = true;
  const dx1 = X(next) - X(v);
  const dy1 = Y(next) - Y(v);
  const cross = dx1 * dy0 - dx0 * dy1;
  if (!fallback) {
    if (cross > 0) return false;
    if (cross < 0) return true;
  }
  let sum = X(0) * (Y(1) - Y(n - 1));
  for (let i = 1; i < n - 1; i++) sum += X(i) * (Y(i + 1) - Y(i - 1));
  sum += X(n - 1) * (Y(0) - Y(n - 2));
  return sum < 0;
}
