/**
 * The CRS of a GeoTIFF from its GeoKeys: an EPSG code when the file names one
 * (ProjectedCSTypeGeoKey 3072 / GeographicTypeGeoKey 2048, not 32767; any code
 * PROJ knows, or an ESRI code such as 102100), else a
 * proj4 definition built from the user-defined keys: Transverse Mercator (CT 1),
 * Mercator (7, 1SP or 2SP), Lambert conformal conic 2SP (8) and 1SP (9),
 * Lambert azimuthal equal area (10), Albers (11), azimuthal equidistant (12),
 * polar stereographic (15, variant A with |lat| = 90 and a scale, else variant
 * B with the latitude of true scale), equirectangular (17), sinusoidal (24),
 * with the ellipsoid/datum (2048 code, 2050 datum, 2056 ellipsoid, 2057-2059
 * axes), the prime meridian (2061), angular units (2054, 2060) and linear units
 * (3076; false easting/northing are given in them, proj4 wants metres).
 */
import { CrsError } from '../errors';
import { undefinedCrs, type Crs } from './crs';
import { crsFromEpsg } from './epsg';

/** Decoded GeoKey directory: key id -> value (number, ascii, or doubles). */
export type GeoKeys = Record<number, number | string | number[]>;

const USER_DEFINED = 32767;
const ELLIPSOIDS: Record<number, string> = { 7030: '+ellps=WGS84', 7019: '+ellps=GRS80', 7022: '+ellps=intl', 7008: '+ellps=clrk66', 7001: '+ellps=airy', 7004: '+ellps=bessel', 7043: '+ellps=WGS72', 7024: '+ellps=krass', 7012: '+ellps=clrk80ign', 7034: '+ellps=clrk80' };
const DATUMS: Record<number, string> = { 6326: '+datum=WGS84', 6269: '+datum=NAD83', 6267: '+datum=NAD27', 6258: '+ellps=GRS80 +towgs84=0,0,0,0,0,0,0', 6674: '+ellps=GRS80 +towgs84=0,0,0,0,0,0,0', 6283: '+ellps=GRS80 +towgs84=0,0,0,0,0,0,0', 6322: '+ellps=WGS72 +towgs84=0,0,4.5,0,0,0.554,0.2263' };
/** Linear units (EPSG unit codes) in metres. */
const LINEAR: Record<number, number> = { 9001: 1, 9002: 0.3048, 9003: 1200 / 3937, 9036: 1000, 9030: 1852, 9005: 0.9143992 };
/** Angular units (EPSG unit codes) in degrees. */
const ANGULAR: Record<number, number> = { 9101: 180 / Math.PI, 9102: 1, 9103: 1 / 60, 9104: 1 / 3600, 9105: 0.9, 9122: 1 };

function num(keys: GeoKeys, ...ids: number[]): number | undefined {
  for (const id of ids) {
    const v = keys[id];
    if (typeof v === 'number') return v;
    if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  }
  return undefined;
}

const real = (code: number | undefined): code is number => code !== undefined && code !== USER_DEFINED && code !== 0;

/** The ellipsoid/datum part of a proj4 string (no +proj, no +no_defs). */
function earth(keys: GeoKeys, citation: string): string {
  const datum = num(keys, 2050);
  if (real(datum)) {
    const d = DATUMS[datum];
    if (d) return d;
  }
  const gcs = num(keys, 2048);
  if (real(gcs)) {
    // EPSG geographic CRS 4xxx is built on datum 6xxx
    const d = gcs >= 4000 && gcs < 5000 ? DATUMS[gcs + 2000] : undefined;
    if (!d) throw new CrsError(`${citation}: a user-defined projection on geographic CRS EPSG:${gcs} is not supported; reproject the raster (gdalwarp -t_srs EPSG:...)`);
    return d;
  }
  const ell = num(keys, 2056);
  if (real(ell)) {
    const e = ELLIPSOIDS[ell];
    if (e) return e;
    throw new CrsError(`${citation}: ellipsoid EPSG:${ell} is not known to zonalflow`);
  }
  const a = num(keys, 2057);
  const b = num(keys, 2058);
  const rf = num(keys, 2059);
  if (a !== undefined && rf !== undefined) return rf === 0 ? `+a=${a} +b=${a}` : `+a=${a} +rf=${rf}`;
  if (a !== undefined && b !== undefined) return `+a=${a} +b=${b}`;
  if (a !== undefined) return `+a=${a} +b=${a}`;
  return '+datum=WGS84';
}

function primeMeridian(keys: GeoKeys, deg: (v: number) => number): string {
  const pmCode = num(keys, 2051);
  const pm = num(keys, 2061);
  if (pm !== undefined && pm !== 0) return ` +pm=${deg(pm)}`;
  if (real(pmCode) && pmCode !== 8901) {
    const known: Record<number, number> = { 8903: 2.33722917, 8902: -9.131906111 };
    const v = known[pmCode];
    if (v === undefined) throw new CrsError(`prime meridian EPSG:${pmCode} is not supported`);
    return ` +pm=${v}`;
  }
  return '';
}

/**
 * The CRS of a raster from its GeoKeys: an undefined CRS (crs.ts undefinedCrs, taken as being the features') when they
 * give none, as GDAL reads no CRS there; CrsError when one is given that cannot be expressed.
 */
export function crsFromGeoKeys(keys: GeoKeys): Crs {
  const model = num(keys, 1024);
  const pcs = num(keys, 3072);
  const gcs = num(keys, 2048);
  const citation = typeof keys[1026] === 'string' ? keys[1026] : typeof keys[2049] === 'string' ? keys[2049] : 'user-defined';
  if (model === 1 || (model === undefined && pcs !== undefined)) {
    if (real(pcs)) return crsFromEpsg(pcs);
    return userProjected(keys, citation);
  }
  if (model === 2 || (model === undefined && gcs !== undefined)) {
    if (real(gcs)) return crsFromEpsg(gcs);
    const unit = ANGULAR[num(keys, 2054) ?? 9102] ?? 1;
    return { name: `${citation} (user-defined geographic)`, def: `+proj=longlat ${earth(keys, citation)}${primeMeridian(keys, (v) => v * unit)} +no_defs` };
  }
  if (model === 3) throw new CrsError('geocentric GeoTIFFs are not supported');
  // no model type and no CRS code: GDAL reads no CRS (gdalinfo prints no "Coordinate System is" section)
  if (model === undefined) return undefinedCrs(RASTER_WITHOUT_CRS);
  throw new CrsError(`the raster's GTModelTypeGeoKey is ${model}, which GDAL does not read as a CRS; assign one with gdal_edit.py -a_srs EPSG:XXXX`);
}

/** The name of the CRS of a raster whose GeoKeys give none: an undefined CRS (crs.ts), taken as the features'. */
export const RASTER_WITHOUT_CRS = 'no CRS (no GeoKeys)';

function userProjected(keys: GeoKeys, citation: string): Crs {
  const ct = num(keys, 3075);
  const unitCode = num(keys, 3076) ?? 9001;
  const unit = LINEAR[unitCode];
  if (unit === undefined) throw new CrsError(`${citation}: unsupported linear unit code ${unitCode}`);
  const angCode = num(keys, 2060, 2054) ?? 9102;
  const ang = ANGULAR[angCode];
  if (ang === undefined) throw new CrsError(`${citation}: unsupported angular unit code ${angCode}`);
  const deg = (v: number | undefined): number | undefined => (v === undefined ? undefined : v * ang);
  const lat0 = deg(num(keys, 3081, 3085, 3089)) ?? 0;
  const lon0 = deg(num(keys, 3080, 3084, 3088, 3095)) ?? 0;
  const x0 = (num(keys, 3082, 3086, 3090) ?? 0) * unit;
  const y0 = (num(keys, 3083, 3087, 3091) ?? 0) * unit;
  const k = num(keys, 3092, 3093);
  const lat1 = deg(num(keys, 3078));
  const lat2 = deg(num(keys, 3079));
  let proj: string;
  switch (ct) {
    case 1: proj = `+proj=tmerc +lat_0=${lat0} +lon_0=${lon0} +k=${k ?? 1}`; break;
    case 7: proj = lat1 !== undefined && k === undefined ? `+proj=merc +lon_0=${lon0} +lat_ts=${lat1}` : `+proj=merc +lon_0=${lon0} +k=${k ?? 1}`; break;
    case 8: proj = `+proj=lcc +lat_0=${lat0} +lon_0=${lon0} +lat_1=${lat1 ?? lat0} +lat_2=${lat2 ?? lat1 ?? lat0}`; break;
    case 9: proj = `+proj=lcc +lat_0=${lat0} +lon_0=${lon0} +lat_1=${lat0} +k_0=${k ?? 1}`; break;
    case 10: proj = `+proj=laea +lat_0=${lat0} +lon_0=${lon0}`; break;
    case 11: proj = `+proj=aea +lat_0=${lat0} +lon_0=${lon0} +lat_1=${lat1 ?? 0} +lat_2=${lat2 ?? 0}`; break;
    case 12: proj = `+proj=aeqd +lat_0=${lat0} +lon_0=${lon0}`; break;
    case 15:
      // variant A: latitude of origin is a pole, with a scale; variant B: latitude of true scale
      proj = Math.abs(lat0) === 90 ? `+proj=stere +lat_0=${lat0} +lon_0=${lon0} +k=${k ?? 1}` : `+proj=stere +lat_0=${lat0 >= 0 ? 90 : -90} +lat_ts=${lat0} +lon_0=${lon0}`;
      break;
    case 17: proj = `+proj=eqc +lat_ts=${lat1 ?? 0} +lat_0=${lat0} +lon_0=${lon0}`; break;
    case 24: proj = `+proj=sinu +lon_0=${lon0}`; break;
    default: throw new CrsError(`${citation}: user-defined projection with coordinate transformation code ${String(ct)} is not supported; reproject the raster (gdalwarp -t_srs EPSG:...)`);
  }
  const units = unit === 1 ? '+units=m' : `+to_meter=${unit}`;
  return { name: `${citation} (user-defined)`, def: `${proj} +x_0=${x0} +y_0=${y0} ${earth(keys, citation)}${primeMeridian(keys, (v) => v * ang)} ${units} +no_defs` };
}
