/**
 * Transformers between CRSs (proj4js), x = easting/longitude, y = northing/
 * latitude always (GeoPackage and GeoTIFF store lon/lat order in practice,
 * whatever the WKT's AXIS says). Equivalent CRSs give no transformer at all,
 * so coordinates pass through untouched.
 */
import proj4 from 'proj4';
import { CrsError } from '../errors';
import type { Crs } from './crs';

type Proj = ReturnType<typeof proj4.Proj>;
const cache = new Map<string, Proj>();

/** proj4's parsed projection of a CRS (cached). */
export function projOf(crs: Crs): Proj {
  let p = cache.get(crs.def);
  if (!p) {
    try {
      p = proj4.Proj(crs.def);
    } catch (err) {
      throw new CrsError(`cannot use the CRS ${crs.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (!p || !(p as { projName?: string }).projName) throw new CrsError(`cannot use the CRS ${crs.name}: proj4 does not understand its definition`);
    (p as { axis?: string }).axis = 'enu';
    cache.set(crs.def, p);
  }
  return p;
}

const NUMERIC = ['lat0', 'lat1', 'lat2', 'lat_ts', 'long0', 'longc', 'alpha', 'rectified_grid_angle', 'k0', 'x0', 'y0', 'a', 'b', 'to_meter', 'from_greenwich', 'h'] as const;

/** True when two CRSs define the same coordinates (projection, parameters within 1e-9, ellipsoid, datum shift, units), whatever their names or codes. */
export function crsEquivalent(a: Crs, b: Crs): boolean {
  if (a.def === b.def) return true;
  if (a.epsg !== undefined && a.epsg === b.epsg) return true;
  const pa = projOf(a) as unknown as Record<string, unknown>;
  const pb = projOf(b) as unknown as Record<string, unknown>;
  const names = (p: Record<string, unknown>): string => String((p.names as string[] | undefined)?.[0] ?? p.projName);
  if (names(pa) !== names(pb)) return false;
  const geographic = pa.projName === 'longlat';
  for (const k of NUMERIC) {
    // proj4 ignores to_meter for longitude/latitude (a WKT's degree unit sets it to metres per degree)
    if (geographic && k === 'to_meter') continue;
    // longc (centre longitude) is long0 when a definition does not set it
    const x = (pa[k] ?? (k === 'longc' ? pa.long0 : undefined)) as number | undefined;
    const y = (pb[k] ?? (k === 'longc' ? pb.long0 : undefined)) as number | undefined;
    const dx = x ?? defaultOf(k);
    const dy = y ?? defaultOf(k);
    if (Math.abs(dx - dy) > 1e-9 * Math.max(1, Math.abs(dx))) return false;
  }
  if (Boolean(pa.utmSouth) !== Boolean(pb.utmSouth) || (pa.zone ?? null) !== (pb.zone ?? null)) return false;
  return sameDatumShift(pa.datum as DatumInfo | undefined, pb.datum as DatumInfo | undefined);
}

interface DatumInfo { datum_type?: number; datum_params?: number[]; grids?: ({ name: string; isNull?: boolean } | null)[] | null }

/** proj4 datum type of a definition, with a grid list of only `@null` read as WGS84 (no shift). */
function datumType(d: DatumInfo | undefined): number {
  const t = d?.datum_type ?? 5;
  if (t === 3 && (d?.grids ?? []).every((g) => g === null || g.isNull === true)) return 4;
  return t;
}

/**
 * Datum shifts are compared only when both definitions state one (GDAL's
 * IsSame "TOWGS84=ONLY_IF_IN_BOTH"): GDAL writes WKT1 without TOWGS84 for
 * EPSG codes (EPSG:2169 in a GeoPackage), which must still equal the code.
 * proj4 datum types: 1/2 = 3/7-parameter Helmert, 4 = WGS84 (a zero shift),
 * 3 = grid shift (compared by grid names), 5 = none stated.
 */
function sameDatumShift(da: DatumInfo | undefined, db: DatumInfo | undefined): boolean {
  const ta = datumType(da);
  const tb = datumType(db);
  if (ta === 5 || tb === 5) return true;
  if (ta === 3 || tb === 3) {
    const names = (d: DatumInfo | undefined): string => (d?.grids ?? []).map((g) => g?.name ?? '').join(',');
    return ta === tb && names(da) === names(db);
  }
  const params = (t: number, d: DatumInfo | undefined): number[] => (t === 4 ? [] : (d?.datum_params ?? [])).concat([0, 0, 0, 0, 0, 0, 0]).slice(0, 7);
  const pa7 = params(ta, da);
  const pb7 = params(tb, db);
  return pa7.every((v, i) => Math.abs(v - (pb7[i] ?? 0)) < 1e-12 + 1e-9 * Math.abs(v));
}

function defaultOf(k: (typeof NUMERIC)[number]): number {
  return k === 'k0' || k === 'to_meter' ? 1 : 0;
}

/** A transformer from one CRS to another; null when they are equivalent. CrsError when proj4 cannot build it. */
export function makeTransformer(from: Crs, to: Crs): ((x: number, y: number) => [number, number]) | null {
  if (crsEquivalent(from, to)) return null;
  const p1 = projOf(from);
  const p2 = projOf(to);
  let conv: { forward(p: number[]): number[] };
  try {
    conv = (proj4 as unknown as (a: Proj, b: Proj) => { forward(p: number[]): number[] })(p1, p2);
  } catch (err) {
    throw new CrsError(`cannot transform from ${from.name} to ${to.name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return (x, y) => {
    const out = conv.forward([x, y]);
    return [out[0] ?? NaN, out[1] ?? NaN];
  };
}

/** True for a longitude/latitude CRS. */
export function isGeographic(crs: Crs): boolean {
  return (projOf(crs) as unknown as { projName?: string }).projName === 'longlat';
}
