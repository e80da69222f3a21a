/**
 * proj4js's conversion between two PROJ strings over many points, evaluated as proj4js's public
 * `proj4(from, to).forward([x, y])` evaluates it but without its per-point overhead.
 *
 * The public call re-runs per point what is fixed for the pair: the finite-coordinate check (by throwing),
 * the datum-shift test and `datum_transform`'s comparison of the two datums, and it allocates 3-5 objects
 * and arrays per point (the input point, one per step, the output array, and a `delete point.z` that turns
 * the last object into a dictionary). Here the pair's two `proj4.Proj` objects are built once, and when the
 * datum step is the identity (same datum type, not 3/7-parameter Helmert nor a grid shift, same `a` and
 * `es`, as proj4js's `compareDatums` finds), neither is geocentric and the target has no `+lon_wrap`, each
 * point runs the same steps in the same order on one reused `{x, y, z}` point (proj4js lib/transform.js,
 * `transformInternal` with `enforceAxis` unset): degrees to radians (×D2R) or ×`to_meter` then the source's
 * `inverse`, `+pm` (`from_greenwich`) added, the target's `from_greenwich` subtracted, then ×R2D or the
 * target's `forward` and ÷`to_meter`. The same floating-point operations in the same order give the same
 * bits as the public API (a unit test compares them bit for bit). Any other pair runs proj4js's public API
 * per point. The result is then checked against PROJ on sample points by conversion.ts, like any proj4js
 * transform. Pure: no I/O.
 */
import proj4 from 'proj4';
import type { BatchTransform } from './proj';

/** proj4js's degrees-to-radians and radians-to-degrees factors (lib/constants/values.js), (the doubles its literals 0.01745329251994329577 and 57.29577951308232088 round to). */
const D2R = 0.017453292519943295;
const R2D = 57.29577951308232;
/** proj4js's datum types (lib/constants/values.js) whose datum step is a Helmert shift or a grid. */
const PJD_3PARAM = 1;
const PJD_7PARAM = 2;
const PJD_GRIDSHIFT = 3;

/** A `proj4.Proj` (a parsed CRS with its projection's forward/inverse). */
type Proj4Proj = InstanceType<typeof proj4.Proj>;

/** A point as proj4js's projections read and write it (radians or metres). */
interface P4Point { x: number; y: number; z?: number }

/** The fields of a `proj4.Proj` that lib/transform.js reads (proj4js's types do not declare them). */
interface P4Proj {
  projName?: string;
  datum?: { datum_type: number; a: number; es: number };
  to_meter?: number;
  from_greenwich?: number;
  long_wrap?: number;
  forward(p: P4Point): P4Point | null | undefined;
  inverse(p: P4Point): P4Point | null | undefined;
}

/** How {@link proj4BatchTransform} evaluates a pair: the reused-point path, or proj4js's public API per point (with why). */
export type Proj4Path = { path: 'direct' } | { path: 'public'; reason: string };

function asP4(p: Proj4Proj): P4Proj {
  return p;
}

/** Whether the reused-point path evaluates `source` -> `dest` as lib/transform.js does (else why not). */
export function proj4Path(source: Proj4Proj, dest: Proj4Proj): Proj4Path {
  const s = asP4(source);
  const d = asP4(dest);
  if (s.datum === undefined || d.datum === undefined) return { path: 'public', reason: 'a CRS has no datum object' };
  for (const t of [s.datum.datum_type, d.datum.datum_type]) {
    if (t === PJD_3PARAM || t === PJD_7PARAM || t === PJD_GRIDSHIFT) return { path: 'public', reason: 'a datum shift (Helmert or grid)' };
  }
  // lib/datumUtils.js compareDatums: equal datums make datum_transform return the point unchanged
  if (s.datum.datum_type !== d.datum.datum_type || s.datum.a !== d.datum.a || Math.abs(s.datum.es - d.datum.es) > 0.00000000005) return { path: 'public', reason: 'the datums differ' };
  if (s.projName === 'geocent' || d.projName === 'geocent') return { path: 'public', reason: 'a geocentric CRS' };
  if (d.projName === 'longlat' && d.long_wrap !== undefined) return { path: 'public', reason: 'the target has +lon_wrap' };
  if (typeof s.inverse !== 'function' || typeof d.forward !== 'function') return { path: 'public', reason: 'a projection without forward/inverse' };
  return { path: 'direct' };
}

/** proj4js's public API per point (in place; what it cannot convert becomes NaN). */
function publicTransform(source: Proj4Proj, dest: Proj4Proj): BatchTransform {
  const conv = proj4(source, dest);
  const p: [number, number] = [0, 0];
  return (xs, ys) => {
    for (let i = 0; i < xs.length; i++) {
      p[0] = xs[i] as number;
      p[1] = ys[i] as number;
      let x = NaN;
      let y = NaN;
      try {
        const r = conv.forward(p);
        x = r[0];
        y = r[1];
      } catch {
        // a point outside the projection's domain: NaN, as PROJ gives
      }
      const bad = !Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 1e300;
      xs[i] = bad ? NaN : x;
      ys[i] = bad ? NaN : y;
    }
  };
}

/** lib/transform.js's steps for a pair {@link proj4Path} accepts, on one reused point (in place; failures NaN). */
function directTransform(source: Proj4Proj, dest: Proj4Proj): BatchTransform {
  const s = asP4(source);
  const d = asP4(dest);
  const srcLonLat = s.projName === 'longlat';
  const srcToMeter = s.to_meter ?? 0;
  const srcPm = s.from_greenwich ?? 0;
  const dstLonLat = d.projName === 'longlat';
  const dstToMeter = d.to_meter ?? 0;
  const dstPm = d.from_greenwich ?? 0;
  const pt: P4Point = { x: 0, y: 0, z: 0 };
  return (xs, ys) => {
    for (let i = 0; i < xs.length; i++) {
      const x0 = xs[i] as number;
      const y0 = ys[i] as number;
      let x = NaN;
      let y = NaN;
      // checkSanity throws on a non-finite coordinate: NaN
      if (Number.isFinite(x0) && Number.isFinite(y0)) {
        try {
          let q: P4Point | null | undefined;
          if (srcLonLat) {
            pt.x = x0 * D2R;
            pt.y = y0 * D2R;
            pt.z = 0;
            q = pt;
          } else {
            if (srcToMeter) {
              pt.x = x0 * srcToMeter;
              pt.y = y0 * srcToMeter;
            } else {
              pt.x = x0;
              pt.y = y0;
            }
            pt.z = 0;
            q = s.inverse(pt);
          }
          if (q) {
            if (srcPm) q.x += srcPm;
            if (dstPm) q.x = q.x - dstPm;
            if (dstLonLat) {
              x = q.x * R2D;
              y = q.y * R2D;
            } else {
              const r = d.forward(q);
              if (r) {
                if (dstToMeter) {
                  x = r.x / dstToMeter;
                  y = r.y / dstToMeter;
                } else {
                  x = r.x;
                  y = r.y;
                }
              }
            }
          }
        } catch {
          // a point outside the projection's domain: NaN, as PROJ gives
        }
      }
      const bad = !Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 1e300;
      xs[i] = bad ? NaN : x;
      ys[i] = bad ? NaN : y;
    }
  };
}

/**
 * proj4js's conversion from the PROJ string `from` to `to` as a BatchTransform (in place, source units to
 * target units; a point proj4js cannot convert, or converts to a non-finite or |v| > 1e300 value, becomes
 * NaN), with the path it takes ({@link proj4Path}). `path: 'public'` forces proj4js's public API per point.
 * Throws when proj4js cannot read a string.
 */
export function proj4BatchTransform(from: string, to: string, path?: 'public'): { transform: BatchTransform; path: Proj4Path } {
  const source = new proj4.Proj(from);
  const dest = new proj4.Proj(to);
  const chosen: Proj4Path = path === 'public' ? { path: 'public', reason: 'asked for' } : proj4Path(source, dest);
  return { transform: chosen.path === 'direct' ? directTransform(source, dest) : publicTransform(source, dest), path: chosen };
}
