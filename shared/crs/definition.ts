/**
 * A CRS from any definition text GDAL's `OSRSetFromUserInput` reads: `EPSG:n`
 * (or `ESRI:n`, `urn:ogc:def:crs:EPSG::n`, `OGC:CRS84`), WKT1, WKT2, ESRI WKT
 * (a `.prj`), PROJJSON, or a PROJ string. The text is kept as it is and read by
 * PROJ when first used (CrsError then, naming PROJ's reason); a LOCAL_CS /
 * engineering WKT is an undefined CRS (coordinates taken as the raster's).
 * For input formats (Shapefile .prj, FlatGeobuf, GeoParquet PROJJSON, ...).
 */
import { CrsError } from '../errors';
import { undefinedCrs, type Crs } from './crs';
import { crsFromEpsg } from './epsg';
import { isLocalWkt, wktEpsgCode } from './srs';

/** The CRS a definition text names (see the module doc); CrsError for an empty text. */
export function crsFromDefinition(text: string, name?: string): Crs {
  const t = text.trim();
  if (t === '') throw new CrsError('empty CRS definition');
  if (/^(OGC:)?CRS84$/i.test(t) || /^urn:ogc:def:crs:OGC:1\.3:CRS84$/i.test(t)) return crsFromEpsg(4326);
  const code = /^(?:EPSG:+|urn:ogc:def:crs:EPSG:[\d.]*:)(\d+)$/i.exec(t);
  if (code?.[1] !== undefined) return crsFromEpsg(Number(code[1]));
  if (isLocalWkt(t)) return undefinedCrs(name ?? 'a local CRS');
  let epsg: number | undefined = wktEpsgCode(t);
  let label = name;
  if (t.startsWith('{')) {
    try {
      const o = JSON.parse(t) as { name?: string; id?: { authority?: string; code?: number | string } };
      label ??= o.name;
      if (o.id?.authority?.toUpperCase() === 'EPSG' && o.id.code !== undefined) epsg = Number(o.id.code);
    } catch {
      // not JSON: PROJ will say what it is
    }
  }
  label ??= /^\w+\["([^"]*)"/.exec(t)?.[1] ?? t.slice(0, 60);
  return { name: epsg === undefined ? label : `EPSG:${epsg} (${label})`, def: t, ...(epsg === undefined ? {} : { epsg }) };
}
