/**
 * EPSG codes without a database: the common geographic and projected systems
 * written out, and UTM zone families computed (WGS 84, ETRS89, NAD83, SIRGAS
 * 2000). Datum shifts are the EPSG default Helmert parameters (towgs84).
 * Codes outside this set must come with a definition (a GeoPackage WKT, or
 * GeoTIFF keys with parameters).
 */
import { CrsError } from '../errors';
import type { Crs } from './crs';

const GRS80_ZERO = '+ellps=GRS80 +towgs84=0,0,0,0,0,0,0';

const TABLE: Record<number, [string, string]> = {
  4326: ['WGS 84', '+proj=longlat +datum=WGS84 +no_defs'],
  4269: ['NAD83', '+proj=longlat +datum=NAD83 +no_defs'],
  4267: ['NAD27', '+proj=longlat +datum=NAD27 +no_defs'],
  4258: ['ETRS89', `+proj=longlat ${GRS80_ZERO} +no_defs`],
  4674: ['SIRGAS 2000', `+proj=longlat ${GRS80_ZERO} +no_defs`],
  4283: ['GDA94', `+proj=longlat ${GRS80_ZERO} +no_defs`],
  3857: ['WGS 84 / Pseudo-Mercator', '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs'],
  3395: ['WGS 84 / World Mercator', '+proj=merc +lon_0=0 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs'],
  2169: ['LUREF / Luxembourg TM', '+proj=tmerc +lat_0=49.8333333333333 +lon_0=6.16666666666667 +k=1 +x_0=80000 +y_0=100000 +ellps=intl +towgs84=-189.6806,18.3463,-42.7695,-0.33746,-3.09264,2.53861,0.4598 +units=m +no_defs'],
  3035: ['ETRS89-extended / LAEA Europe', `+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 ${GRS80_ZERO} +units=m +no_defs`],
  3034: ['ETRS89-extended / LCC Europe', `+proj=lcc +lat_0=52 +lon_0=10 +lat_1=35 +lat_2=65 +x_0=4000000 +y_0=2800000 ${GRS80_ZERO} +units=m +no_defs`],
  2154: ['RGF93 v1 / Lambert-93', `+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 ${GRS80_ZERO} +units=m +no_defs`],
  27700: ['OSGB36 / British National Grid', '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs'],
  5070: ['NAD83 / Conus Albers', '+proj=aea +lat_0=23 +lon_0=-96 +lat_1=29.5 +lat_2=45.5 +x_0=0 +y_0=0 +datum=NAD83 +units=m +no_defs'],
  3577: ['GDA94 / Australian Albers', `+proj=aea +lat_0=0 +lon_0=132 +lat_1=-18 +lat_2=-36 +x_0=0 +y_0=0 ${GRS80_ZERO} +units=m +no_defs`],
  6933: ['WGS 84 / NSIDC EASE-Grid 2.0 Global', '+proj=cea +lat_ts=30 +lon_0=0 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs'],
  3031: ['WGS 84 / Antarctic Polar Stereographic', '+proj=stere +lat_0=-90 +lat_ts=-71 +lon_0=0 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs'],
  3413: ['WGS 84 / NSIDC Sea Ice Polar Stereographic North', '+proj=stere +lat_0=90 +lat_ts=70 +lon_0=-45 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs'],
};

function utm(zone: number, south: boolean, datum: string, name: string): [string, string] {
  const lon0 = zone * 6 - 183;
  return [`${name} / UTM zone ${zone}${south ? 'S' : 'N'}`, `+proj=tmerc +lat_0=0 +lon_0=${lon0} +k=0.9996 +x_0=500000 +y_0=${south ? 10000000 : 0} ${datum} +units=m +no_defs`];
}

/** The definition of an EPSG code, or null when this build does not know it. */
export function lookupEpsg(code: number): [string, string] | null {
  const fixed = TABLE[code];
  if (fixed) return fixed;
  if (code >= 32601 && code <= 32660) return utm(code - 32600, false, '+datum=WGS84', 'WGS 84');
  if (code >= 32701 && code <= 32760) return utm(code - 32700, true, '+datum=WGS84', 'WGS 84');
  if (code >= 25828 && code <= 25838) return utm(code - 25800, false, GRS80_ZERO, 'ETRS89');
  if (code >= 26901 && code <= 26923) return utm(code - 26900, false, '+datum=NAD83', 'NAD83');
  if (code >= 31965 && code <= 31976) return utm(code - 31954, false, GRS80_ZERO, 'SIRGAS 2000'); // 11N..22N
  if (code >= 31977 && code <= 31985) return utm(code - 31960, true, GRS80_ZERO, 'SIRGAS 2000'); // 17S..25S
  return null;
}

/** The CRS of an EPSG code; CrsError naming it when unknown. */
export function crsFromEpsg(code: number): Crs {
  const hit = lookupEpsg(code);
  if (!hit) throw new CrsError(`EPSG:${code} is not known to zonalflow without its definition; give the data a WKT definition (e.g. a GeoPackage written by GDAL) or reproject it to a common CRS`);
  return { name: `EPSG:${code} (${hit[0]})`, def: hit[1], epsg: code };
}
