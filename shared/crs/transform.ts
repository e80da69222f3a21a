/**
 * Transformers between CRSs, by PROJ (see proj.ts): x = easting/longitude,
 * y = northing/latitude always (GeoPackage and GeoTIFF store lon/lat order in
 * practice, whatever the WKT's AXIS says; GDAL's traditional GIS order).
 * Equivalent CRSs, and a CRS that is undefined (taken as the other one), give
 * no transformer at all, so coordinates pass through untouched. PROJ must be
 * loaded first ({@link ensureProj}) unless both definitions are the same text.
 */
import { polarity } from '../geometry/geographic-cut';
import type { GeographicTarget } from '../geometry/geographic-cut';
import { CrsError } from '../errors';
import { perPair, type Crs } from './crs';
import { loadProj, projSrs, projTransform, type BatchTransform, type ProjSrs } from './proj';

/** Loads PROJ (once per process): await it before building transformers. */
export function ensureProj(): Promise<void> {
  return loadProj();
}

const resolved = new Map<string, string>();

/** The definition PROJ accepted for a CRS (an unknown EPSG code is tried as an ESRI code) and PROJ's reading of it. CrsError naming the CRS otherwise. */
export function resolveSrs(crs: Crs): { def: string; srs: ProjSrs } {
  if (crs.undefinedCrs) throw new CrsError(`the CRS ${crs.name} is undefined`);
  const known = resolved.get(crs.def);
  if (known !== undefined) return { def: known, srs: projSrs(known) };
  const candidates = [crs.def, ...(crs.alternatives ?? [])];
  if (crs.epsg !== undefined && crs.def === `EPSG:${crs.epsg}`) candidates.push(`ESRI:${crs.epsg}`);
  let first: unknown = null;
  for (const def of candidates) {
    try {
      const srs = projSrs(def);
      resolved.set(crs.def, def);
      return { def, srs };
    } catch (err) {
      first ??= err;
    }
  }
  if (crs.epsg !== undefined && crs.def === `EPSG:${crs.epsg}`) throw new CrsError(`EPSG:${crs.epsg} is not known to PROJ (neither an EPSG nor an ESRI code)`, { cause: first });
  throw new CrsError(`cannot use the CRS ${crs.name}: ${first instanceof Error ? first.message : String(first)}`, { cause: first });
}

/** Checks that PROJ can read a CRS (PROJ loaded); CrsError naming it otherwise. An undefined CRS passes. */
export function checkCrs(crs: Crs): void {
  if (!crs.undefinedCrs) resolveSrs(crs);
}

/** PROJ's name of a CRS (its WKT's name), or the CRS's own name. */
export function crsDisplayName(crs: Crs): string {
  if (crs.undefinedCrs) return crs.name;
  try {
    const m = /^\w+\["((?:[^"]|"")*)"/.exec(resolveSrs(crs).srs.wkt);
    const name = m?.[1];
    return name && crs.epsg !== undefined ? `EPSG:${crs.epsg} (${name})` : (name ?? crs.name);
  } catch {
    return crs.name;
  }
}

/**
 * A WKT1 reduced to what defines coordinates: names, AUTHORITY and AXIS nodes
 * dropped, numbers rounded to 10 significant digits; TOWGS84 set apart.
 */
function normalised(wkt: string): { body: string; towgs84: string | null } {
  let towgs84: string | null = null;
  let s = wkt.replace(/,?TOWGS84\[([^\]]*)\]/g, (_m, p: string) => {
    towgs84 = p.split(',').map((v) => Number(Number(v).toPrecision(10))).join(',');
    return '';
  });
  s = s
    .replace(/,?AUTHORITY\["[^"]*","[^"]*"\]/g, '')
    .replace(/,?AXIS\["[^"]*",\w+\]/g, '')
    .replace(/,?EXTENSION\["[^"]*","[^"]*"\]/g, '')
    .replace(/(GEOGCS|PROJCS|DATUM|SPHEROID|PRIMEM|GEOCCS|VERT_CS|COMPD_CS)\["(?:[^"]|"")*",?/g, '$1[')
    .replace(/UNIT\["(?:[^"]|"")*",/g, 'UNIT[')
    .replace(/-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g, (n) => String(Number(Number(n).toPrecision(10))));
  return { body: s, towgs84 };
}

/**
 * True when two CRSs define the same coordinates (projection, parameters to
 * 10 significant digits, ellipsoid, prime meridian, units), whatever their
 * names or codes. A datum shift (TOWGS84) counts only when both state one
 * (GDAL's IsSame "TOWGS84=ONLY_IF_IN_BOTH"). An undefined CRS equals any.
 */
export function crsEquivalent(a: Crs, b: Crs): boolean {
  if (a.undefinedCrs || b.undefinedCrs) return true;
  if (a.def === b.def) return true;
  if (a.epsg !== undefined && a.epsg === b.epsg) return true;
  // PROJ's reading of a definition never changes (resolveSrs): the answer once per pair, not once per batch and
  // transformer (the WKTs' normalisation took ~2 ms a batch)
  return perPair(equivalent, a, b, wktEquivalent);
}

const equivalent = new Map<string, boolean>();

function wktEquivalent(a: Crs, b: Crs): boolean {
  const wa = resolveSrs(a).srs.wkt;
  const wb = resolveSrs(b).srs.wkt;
  if (!wa || !wb) return false;
  if (wa === wb) return true;
  const na = normalised(wa);
  const nb = normalised(wb);
  if (na.body !== nb.body) return false;
  return na.towgs84 === null || nb.towgs84 === null || na.towgs84 === nb.towgs84;
}

/** A transformer of many points at once (in place; points PROJ cannot transform become NaN); null when the CRSs are equivalent. CrsError when PROJ has no operation. */
export function makeBatchTransformer(from: Crs, to: Crs): BatchTransform | null {
  if (crsEquivalent(from, to)) return null;
  const a = resolveSrs(from);
  const b = resolveSrs(to);
  try {
    return projTransform(a.def, b.def);
  } catch (err) {
    throw new CrsError(`cannot transform from ${from.name} to ${to.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** A transformer from one CRS to another; null when they are equivalent. CrsError when PROJ cannot build it. */
export function makeTransformer(from: Crs, to: Crs): ((x: number, y: number) => [number, number]) | null {
  const batch = makeBatchTransformer(from, to);
  if (!batch) return null;
  const xs = new Float64Array(1);
  const ys = new Float64Array(1);
  return (x, y) => {
    xs[0] = x;
    ys[0] = y;
    batch(xs, ys);
    return [xs[0], ys[0]];
  };
}

/** True for a longitude/latitude CRS (false for an undefined one). */
export function isGeographic(crs: Crs): boolean {
  if (crs.undefinedCrs) return false;
  if (crs.def === 'EPSG:4326') return true;
  return resolveSrs(crs).srs.wkt.startsWith('GEOGCS');
}

/**
 * How geometries of a layer in `from` (not lon/lat: projected) are cut at the antimeridian and closed over a pole once
 * transformed into `to` (lon/lat), as ogr2ogr cuts them (geometry/geographic-cut.ts); null when there is nothing to
 * cut (`from` lon/lat or undefined, `to` not lon/lat, or the same CRS). `forward`: from -> to when already made.
 */
export function geographicTarget(from: Crs, to: Crs, forward?: ((x: number, y: number) => [number, number]) | null): GeographicTarget | null {
  if (from.undefinedCrs || to.undefinedCrs || isGeographic(from) || !isGeographic(to)) return null;
  const f = forward === undefined ? makeTransformer(from, to) : forward;
  if (!f) return null;
  const inverse = makeTransformer(to, from);
  return { forward: f, inverse, polar: inverse ? polarity(f, inverse) : 0 };
}
