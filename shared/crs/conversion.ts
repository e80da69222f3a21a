/**
 * A pure conversion evaluated by proj4js, taken only when it matches PROJ. Between two CRSs on the same
 * datum PROJ's operation is a conversion (the inverse of one projection, then the other: no datum shift,
 * no grid, no Helmert). proj4js evaluates the same formulas from PROJ's own PROJ-string export of the two
 * CRSs in plain JavaScript, without PROJ's WebAssembly module (~80 MB resident). It is accepted only when:
 *  - both PROJ strings define the datum with the same terms (`+datum`, `+ellps`, `+a`, `+b`, `+rf`, `+f`,
 *    `+R`, `+pm`) and neither names a datum shift or grid (`+towgs84` other than the null shift
 *    `+towgs84=0,0,0[,0,0,0,0]` GDAL states for e.g. ETRS89, `+nadgrids`, `+geoidgrids`) nor an axis order
 *    or vertical part proj4js would read differently (`+axis`, `+vunits`, `+geoc`);
 *  - on every sample point (a grid over the features' extent and real vertices) it agrees with PROJ to
 *    {@link CONVERSION_TOLERANCE_M} (1e-6 m: a thousand times below a millimetre; proj4js and PROJ differ
 *    by ~2e-9 m on EPSG:4326 -> UTM) and fails (NaN) exactly where PROJ fails.
 * The check covers the sample's extent only: a point outside the bounding box of the sample points (a
 * latitude beyond 90°, a longitude another turn away, a stray vertex far from the rest) is computed by PROJ
 * ({@link withinChecked}), where proj4js is known to differ (PROJ refuses |lat| > 90°, wraps longitudes;
 * proj4js returns numbers for both). Anything else stays with PROJ (the caller's fallback). Pure: no I/O.
 */
import { proj4BatchTransform } from './proj4-batch';
import { finiteBox } from '../geometry/bbox';
import type { BatchTransform } from './proj';

/** Largest difference from PROJ accepted on a sample point, in metres (converted to the target's units). */
export const CONVERSION_TOLERANCE_M = 1e-6;

/** Metres per degree of latitude on a sphere of the WGS 84 semi-major axis (a degree is at most this long). */
const METRES_PER_DEGREE = (6378137 * Math.PI) / 180;

/** PROJ-string terms that define the datum: both CRSs must state the same ones for a pure conversion. */
const DATUM_TERMS = ['datum', 'ellps', 'a', 'b', 'rf', 'f', 'R', 'pm'] as const;
/** Terms proj4js would not evaluate as PROJ does, or that mean a datum shift: never a pure conversion. */
const REFUSED_TERMS = ['towgs84', 'nadgrids', 'geoidgrids', 'axis', 'vunits', 'geoc', 'pipeline', 'step', 'init'] as const;

/** A PROJ string without a null datum shift (`+towgs84` of zeros only: no shift at all). */
export function withoutNullShift(s: string): string {
  return s.replace(/(^|\s)\+towgs84=([^\s]*)/g, (m, lead: string, v: string) => (v.split(',').every((x) => Number(x) === 0) ? lead : m)).replace(/\s+/g, ' ').trim();
}

/** The `+key=value` terms of a PROJ string (a bare `+key` has the value ''). */
export function projTerms(s: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const tok of s.trim().split(/\s+/)) {
    const m = /^\+([^=]+)(?:=(.*))?$/.exec(tok);
    if (m?.[1] !== undefined) out.set(m[1], m[2] ?? '');
  }
  return out;
}

/**
 * Why the two PROJ strings do not describe a pure conversion that proj4js evaluates as PROJ does, or null
 * when they do (then the numeric check decides).
 */
export function conversionProblem(from: string, to: string): string | null {
  if (from === '' || to === '') return 'PROJ cannot express a CRS as a PROJ string';
  const a = projTerms(withoutNullShift(from));
  const b = projTerms(withoutNullShift(to));
  for (const [side, t] of [['source', a], ['target', b]] as const) {
    if (!t.has('proj')) return `the ${side} PROJ string has no +proj`;
    const refused = REFUSED_TERMS.find((k) => t.has(k));
    if (refused === 'nadgrids' && t.get('nadgrids') === '@null') return `the ${side} CRS has +nadgrids=@null, PROJ's null grid (no datum shift), which proj4js reads as datum "none"`;
    if (refused !== undefined) return `the ${side} CRS has +${refused}${refused === 'towgs84' || refused === 'nadgrids' || refused === 'geoidgrids' ? ' (a datum shift or grid)' : ''}`;
  }
  for (const k of DATUM_TERMS) {
    if (a.get(k) !== b.get(k)) return `the datums differ (+${k}: ${a.get(k) ?? 'none'} vs ${b.get(k) ?? 'none'})`;
  }
  if (!a.has('datum') && !a.has('ellps') && !a.has('a') && !a.has('R')) return 'no datum or ellipsoid stated';
  return null;
}

/**
 * proj4js's converter between two PROJ strings as a BatchTransform (in place; a point it cannot convert
 * becomes NaN): proj4-batch.ts, the same bits as proj4js's public API without its per-point allocation.
 * Throws when proj4js cannot read a string.
 */
export function proj4Transform(from: string, to: string): BatchTransform {
  return proj4BatchTransform(from, to).transform;
}

/** The tolerance in the target CRS's units: degrees for a longitude/latitude target, else its linear unit (`+to_meter` or `+units`). */
export function toleranceIn(to: string): number {
  const t = projTerms(to);
  if (t.get('proj') === 'longlat' || t.get('proj') === 'latlong' || t.get('proj') === 'lonlat' || t.get('proj') === 'latlon') return CONVERSION_TOLERANCE_M / METRES_PER_DEGREE;
  const toMeter = Number(t.get('to_meter') ?? NaN);
  if (Number.isFinite(toMeter) && toMeter > 0) return CONVERSION_TOLERANCE_M / toMeter;
  const units: Record<string, number> = { m: 1, km: 1000, ft: 0.3048, 'us-ft': 1200 / 3937, cm: 0.01, mm: 0.001 };
  const u = units[t.get('units') ?? 'm'];
  // an unknown unit: the smallest of these (the tightest tolerance in its units)
  return CONVERSION_TOLERANCE_M / (u ?? 1000);
}

/** The agreement of two transforms over sample points. */
export interface Agreement {
  /** Points compared (both finite). */
  points: number;
  /** Largest |dx| or |dy|, in the target's units. */
  maxDifference: number;
  /** Points where one gave NaN and the other did not. */
  nanMismatches: number;
}

/** Runs both transforms on copies of the sample points and compares them. */
export function compareTransforms(reference: BatchTransform, candidate: BatchTransform, xs: Float64Array, ys: Float64Array): Agreement {
  const rx = Float64Array.from(xs);
  const ry = Float64Array.from(ys);
  const cx = Float64Array.from(xs);
  const cy = Float64Array.from(ys);
  reference(rx, ry);
  candidate(cx, cy);
  let points = 0;
  let maxDifference = 0;
  let nanMismatches = 0;
  for (let i = 0; i < xs.length; i++) {
    const rOk = Number.isFinite(rx[i]) && Number.isFinite(ry[i]);
    const cOk = Number.isFinite(cx[i]) && Number.isFinite(cy[i]);
    if (rOk !== cOk) nanMismatches++;
    if (!rOk || !cOk) continue;
    points++;
    maxDifference = Math.max(maxDifference, Math.abs((rx[i] as number) - (cx[i] as number)), Math.abs((ry[i] as number) - (cy[i] as number)));
  }
  return { points, maxDifference, nanMismatches };
}

/** The bounding box of the sample points a transform was checked on (source CRS). */
export interface CheckedBox { xmin: number; ymin: number; xmax: number; ymax: number }

/**
 * `lite` for the points inside `box` (where it was checked against PROJ), `outside` (PROJ's own transform)
 * for the finite points outside it, NaN for a non-finite point (as PROJ gives). `outside` is called only
 * when a batch has such points (PROJ may then have to be loaded again: proj-remote.ts).
 */
export function withinChecked(lite: BatchTransform, outside: BatchTransform, box: CheckedBox): BatchTransform {
  return (xs, ys) => {
    const n = xs.length;
    let far: number[] | null = null;
    for (let i = 0; i < n; i++) {
      const x = xs[i] as number;
      const y = ys[i] as number;
      if (x >= box.xmin && x <= box.xmax && y >= box.ymin && y <= box.ymax) continue;
      if (Number.isFinite(x) && Number.isFinite(y)) (far ??= []).push(i);
      else {
        xs[i] = NaN;
        ys[i] = NaN;
      }
    }
    if (far === null) {
      lite(xs, ys);
      return;
    }
    const fx = Float64Array.from(far, (i) => xs[i] as number);
    const fy = Float64Array.from(far, (i) => ys[i] as number);
    outside(fx, fy);
    lite(xs, ys);
    far.forEach((i, k) => {
      xs[i] = fx[k] as number;
      ys[i] = fy[k] as number;
    });
  };
}

/** What {@link chooseConversion} decided: proj4js with its measured agreement, or PROJ and why. */
export type ConversionChoice =
  | { engine: 'proj4js'; transform: BatchTransform; agreement: Agreement; tolerance: number; box: CheckedBox }
  | { engine: 'PROJ'; reason: string };

/**
 * proj4js for the PROJ strings `from` -> `to` when they describe a pure conversion and proj4js agrees with
 * `reference` (PROJ's transformation) on every sample point (at least one compared, none over the tolerance,
 * NaN exactly where PROJ gives NaN); otherwise PROJ, with the reason. The proj4js transform hands the points
 * outside the sample's bounding box to `reference` ({@link withinChecked}).
 */
export function chooseConversion(from: string, to: string, reference: BatchTransform, xs: Float64Array, ys: Float64Array): ConversionChoice {
  const problem = conversionProblem(from, to);
  if (problem !== null) return { engine: 'PROJ', reason: problem };
  let transform: BatchTransform;
  try {
    transform = proj4Transform(withoutNullShift(from), withoutNullShift(to));
  } catch (err) {
    return { engine: 'PROJ', reason: `proj4js cannot read the PROJ strings (${err instanceof Error ? err.message : String(err)})` };
  }
  const tolerance = toleranceIn(to);
  const agreement = compareTransforms(reference, transform, xs, ys);
  if (agreement.points === 0) return { engine: 'PROJ', reason: 'no sample point to check proj4js against PROJ' };
  if (agreement.nanMismatches > 0) return { engine: 'PROJ', reason: `proj4js and PROJ disagree on which of ${xs.length} sample points can be transformed (${agreement.nanMismatches})` };
  if (!(agreement.maxDifference <= tolerance)) return { engine: 'PROJ', reason: `proj4js differs from PROJ by ${agreement.maxDifference.toExponential(2)} (over ${tolerance.toExponential(2)}) on the sample points` };
  const box = finiteBox(xs, ys) as CheckedBox;
  return { engine: 'proj4js', transform: withinChecked(transform, reference, box), agreement, tolerance, box };
}

/**
 * The proj4js transform {@link chooseConversion} gave for the same `from`, `to`, `reference` and checked `box`,
 * rebuilt without checking it again (a Worker taking the choice Plan made on the layer's sample: the same bits).
 * Throws when proj4js cannot read a string.
 */
export function checkedConversion(from: string, to: string, reference: BatchTransform, box: CheckedBox): BatchTransform {
  return withinChecked(proj4Transform(withoutNullShift(from), withoutNullShift(to)), reference, box);
}
