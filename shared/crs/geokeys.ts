/**
 * The CRS of a GeoTIFF from its GeoKeys: an EPSG code when the file names one
 * (ProjectedCSTypeGeoKey / GeographicTypeGeoKey), else a proj4 definition
 * built from the user-defined keys (Albers, Lambert conformal conic, Transverse
 * Mercator, Mercator, Lambert azimuthal, polar stereographic, equirectangular),
 * with the ellipsoid, datum and linear units the keys give.
 */
import { CrsError } from '../errors';
import type { Crs } from './crs';
import { crsFromEpsg } from './epsg';

type Keys = Record<number, number | string | number[]>;

const ELLIPSOIDS: Record<number, string> = { 7030: '+ellps=WGS84', 7019: '+ellps=GRS80', 7022: '+ellps=intl', 7008: '+ellps=clrk66', 7001: '+ellps=airy', 7004: '+ellps=bessel', 7043: '+ellps=WGS72', 7024: '+ellps=krass' };
const DATUMS: Record<number, string> = { 6326: '+datum=WGS84', 6269: '+datum=NAD83', 6267: '+datum=NAD27', 6258: '+ellps=GRS80 +towgs84=0,0,0,0,0,0,0', 6674: '+ellps=GRS80 +towgs84=0,0,0,0,0,0,0', 6283: '+ellps=GRS80 +towgs84=0,0,0,0,0,0,0', 6322: '+ellps=WGS72 +towgs84=0,0,4.5,0,0,0.554,0.2263' };
const UNITS: Record<number, number> = { 9001: 1, 9002: 0.3048, 9003: 1200 / 3937, 9036: 1000 };

function num(keys: Keys, ...ids: number[]): number | undefined {
  for (const id of ids) {
    const v = keys[id];
    if (typeof v === 'number') return v;
    if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  }
  return undefined;
}

function earth(keys: Keys): string {
  const datum = num(keys, 2050);
  if (datum !== undefined && DATUMS[datum]) return DATUMS[datum] ?? '';
  const gcs = num(keys, 2048);
  if (gcs === 4326) return '+datum=WGS84';
  const ell = num(keys, 2056);
  if (ell !== undefined && ELLIPSOIDS[ell]) return ELLIPSOIDS[ell] ?? '';
  const a = num(keys, 2057);
  const b = num(keys, 2058);
  const rf = num(keys, 2059);
  if (a !== undefined && rf !== undefined) return rf === 0 ? `+a=${a} +b=${a}` : `+a=${a} +rf=${rf}`;
  if (a !== undefined && b !== undefined) return `+a=${a} +b=${b}`;
  return '+datum=WGS84';
}

/** The CRS of a raster from its GeoKeys (CrsError when absent or not expressible). */
export function crsFromGeoKeys(keys: Keys): Crs {
  const model = num(keys, 1024);
  const pcs = num(keys, 3072);
  const gcs = num(keys, 2048);
  const citation = typeof keys[1026] === 'string' ? keys[1026] : typeof keys[2049] === 'string' ? keys[2049] : 'user-defined';
  if (model === 1 || (model === undefined && pcs !== undefined)) {
    if (pcs !== undefined && pcs !== 32767 && pcs !== 0) return crsFromEpsg(pcs);
    return userProjected(keys, citation);
  }
  if (model === 2 || (model === undefined && gcs !== undefined)) {
    if (gcs !== undefined && gcs !== 32767 && gcs !== 0) return crsFromEpsg(gcs);
    return { name: `${citation} (user-defined geographic)`, def: `+proj=longlat ${earth(keys)} +no_defs` };
  }
  if (model === 3) throw new CrsError('geocentric GeoTIFFs are not supported');
  throw new CrsError('the raster has no CRS (no GeoKeys); assign one with gdal_edit.py -a_srs');
}

function userProjected(keys: Keys, citation: string): Crs {
  const ct = num(keys, 3075);
  const lat0 = num(keys, 3081, 3085, 3089) ?? 0;
  const lon0 = num(keys, 3080, 3084, 3088, 3095) ?? 0;
  const x0 = num(keys, 3082, 3086, 3090) ?? 0;
  const y0 = num(keys, 3083, 3087, 3091) ?? 0;
  const k = num(keys, 3092, 3093) ?? 1;
  const lat1 = num(keys, 3078);
  const lat2 = num(keys, 3079);
  const unit = UNITS[num(keys, 3076) ?? 9001];
  if (unit === undefined) throw new CrsError(`${citation}: unsupported linear unit code ${String(keys[3076])}`);
  let proj: string;
  switch (ct) {
    case 1: proj = `+proj=tmerc +lat_0=${lat0} +lon_0=${lon0} +k=${k}`; break;
    case 7: proj = `+proj=merc +lon_0=${lon0} +k=${k}`; break;
    case 8: proj = `+proj=lcc +lat_0=${lat0} +lon_0=${lon0} +lat_1=${lat1 ?? lat0} +lat_2=${lat2 ?? lat1 ?? lat0}`; break;
    case 9: proj = `+proj=lcc +lat_0=${lat0} +lon_0=${lon0} +lat_1=${lat0} +k_0=${k}`; break;
    case 10: proj = `+proj=laea +lat_0=${lat0} +lon_0=${lon0}`; break;
    case 11: proj = `+proj=aea +lat_0=${lat0} +lon_0=${lon0} +lat_1=${lat1 ?? 0} +lat_2=${lat2 ?? 0}`; break;
    case 15: proj = `+proj=stere +lat_0=${lat0 >= 0 ? 90 : -90} +lat_ts=${lat0} +lon_0=${lon0} +k=${k}`; break;
    case 17: proj = `+proj=eqc +lat_ts=${lat1 ?? 0} +lat_0=${lat0} +lon_0=${lon0}`; break;
    default: throw new CrsError(`${citation}: user-defined projection with coordinate transformation code ${String(ct)} is not supported; reproject the raster (gdalwarp -t_srs EPSG:...)`);
  }
  return { name: `${citation} (user-defined)`, def: `${proj} +x_0=${x0} +y_0=${y0} ${earth(keys)} +to_meter=${unit} +no_defs` };
}
