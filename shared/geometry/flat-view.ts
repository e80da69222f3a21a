/**
 * A flat geometry (wkb-flat.ts: a shape and consecutive positions in x/y arrays) seen as a
 * GeoJSON-shaped Geometry built from reused arrays, so that the checks written for Geometry
 * (validate.ts, antimeridian.ts, coverage.ts geometryWindow, ...) run on it unchanged without
 * allocating per feature. The view is valid until the next {@link FlatView.of}: nothing may keep it
 * (or a position of it). Pure: no I/O.
 */
import type { Geometry, Position } from './types';

/** Reused arrays and geometry objects: one view at a time. */
export class FlatView {
  private readonly positions: Position[] = [];
  private readonly runs: Position[][] = [];
  private readonly lists: Position[][][] = [];
  private readonly point = { type: 'Point' as const, coordinates: [0, 0] as Position };
  private readonly multiPoint = { type: 'MultiPoint' as const, coordinates: [] as Position[] };
  private readonly lineString = { type: 'LineString' as const, coordinates: [] as Position[] };
  private readonly multiLineString = { type: 'MultiLineString' as const, coordinates: [] as Position[][] };
  private readonly polygon = { type: 'Polygon' as const, coordinates: [] as Position[][] };
  private readonly multiPolygon = { type: 'MultiPolygon' as const, coordinates: [] as Position[][][] };
  private run = 0;
  private list = 0;
  private p = 0;
  /** The view's first position (positions are pooled from it). */
  private p0 = 0;
  private xs: Float64Array = new Float64Array(0);
  private ys: Float64Array = new Float64Array(0);

  /** The geometry of shape `shape[s..]` whose positions are xs/ys from `p0`. */
  of(shape: readonly number[], s: number, xs: Float64Array, ys: Float64Array, p0: number): Geometry {
    this.run = 0;
    this.list = 0;
    this.p = p0;
    this.p0 = p0;
    this.xs = xs;
    this.ys = ys;
    const code = shape[s] as number;
    switch (code) {
      case 0:
        this.point.coordinates = this.position();
        return this.point;
      case 1:
        this.multiPoint.coordinates = this.runOf(shape[s + 1] as number);
        return this.multiPoint;
      case 2:
        this.lineString.coordinates = this.runOf(shape[s + 1] as number);
        return this.lineString;
      case 3: case 4: {
        const g = code === 3 ? this.multiLineString : this.polygon;
        g.coordinates = this.listOf(shape, s + 1);
        return g;
      }
      case 5: {
        const n = shape[s + 1] as number;
        const polys = this.multiPolygon.coordinates;
        polys.length = n;
        let j = s + 2;
        for (let k = 0; k < n; k++) {
          polys[k] = this.listOf(shape, j);
          j += 1 + (shape[j] as number);
        }
        return this.multiPolygon;
      }
      default:
        throw new Error(`flat geometry: unknown type code ${code}`);
    }
  }

  /** The next position (a reused array) holding the next x, y. */
  private position(): Position {
    const k = this.p - this.p0;
    let q = this.positions[k];
    if (q === undefined) {
      q = [0, 0];
      this.positions[k] = q;
    }
    q[0] = this.xs[this.p] as number;
    q[1] = this.ys[this.p++] as number;
    return q;
  }


  /** A run of the next `n` positions (a reused array). */
  private runOf(n: number): Position[] {
    let r = this.runs[this.run];
    if (r === undefined) {
      r = [];
      this.runs[this.run] = r;
    }
    this.run++;
    r.length = n;
    for (let k = 0; k < n; k++) r[k] = this.position();
    return r;
  }

  /** A list of runs whose count is `shape[j]`, their lengths following (a reused array). */
  private listOf(shape: readonly number[], j: number): Position[][] {
    const n = shape[j] as number;
    let l = this.lists[this.list];
    if (l === undefined) {
      l = [];
      this.lists[this.list] = l;
    }
    this.list++;
    l.length = n;
    for (let k = 0; k < n; k++) l[k] = this.runOf(shape[j + 1 + k] as number);
    return l;
  }
}
