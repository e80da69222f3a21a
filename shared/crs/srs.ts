/**
 * The CRS of a GeoPackage layer from its `gpkg_spatial_ref_sys` row, read as
 * GDAL reads it: the WKT2 `definition_12_063` when present, else the WKT1
 * `definition`, else the organization's code (EPSG:n). PROJ then identifies
 * the definition (a GDAL-written WKT1 names its EPSG code) and picks the datum
 * transformation itself, so a WKT1 without TOWGS84 gets the shift PROJ uses.
 * srs_id 0 (undefined geographic), -1 (undefined Cartesian) and a LOCAL_CS /
 * engineering CRS (GDAL 3.9+ writes srs_id 99999 "Undefined SRS") are an
 * undefined CRS: the coordinates are taken as being in the raster's CRS.
 */
import { CrsError } from '../errors';
import { undefinedCrs, type Crs } from './crs';

/** A `gpkg_spatial_ref_sys` row. */
export interface SrsRow {
  srs_id: number;
  srs_name?: string | null;
  organization: string;
  organization_coordsys_id: number;
  definition: string;
  definition_12_063?: string | null;
}

function usable(def: string | null | undefined): def is string {
  return typeof def === 'string' && def.trim() !== '' && def.trim().toLowerCase() !== 'undefined';
}

/** The EPSG code of a WKT's outermost AUTHORITY["EPSG","n"] (WKT1) or ID["EPSG",n] (WKT2), or undefined. */
export function wktEpsgCode(wkt: string): number | undefined {
  const m = /(?:AUTHORITY|ID)\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]\s*\]\s*$/i.exec(wkt.trim());
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** True for a WKT of a local (engineering) CRS, which no transformation reaches. */
export function isLocalWkt(def: string): boolean {
  return /^\s*(LOCAL_CS|ENGCRS|ENGINEERINGCRS|ENGCS)\s*\[/i.test(def);
}

/** Resolves a layer's CRS; CrsError naming the srs when nothing usable is found. */
export function crsFromSrs(row: SrsRow): Crs {
  const name = row.srs_name ?? `srs ${row.srs_id}`;
  const org = String(row.organization ?? '').toUpperCase();
  if (row.srs_id === -1 || row.srs_id === 0) return undefinedCrs(`"${name}" (srs_id ${row.srs_id}, ${row.srs_id === -1 ? 'undefined Cartesian' : 'undefined geographic'})`);
  const defs = [row.definition_12_063, row.definition].filter(usable);
  const code = org === 'EPSG' || org === 'ESRI' ? Number(row.organization_coordsys_id) : row.srs_id === 4326 ? 4326 : undefined;
  const byCode = code !== undefined && Number.isInteger(code) && code > 0 ? `${org === 'ESRI' ? 'ESRI' : 'EPSG'}:${code}` : undefined;
  const [def, ...alternatives] = byCode ? [...defs, byCode] : defs;
  if (def !== undefined) {
    if (isLocalWkt(def)) return undefinedCrs(`"${name}" (srs_id ${row.srs_id}, a local CRS)`);
    const own = def === byCode && org !== 'ESRI' ? code : wktEpsgCode(def);
    return { name: own === undefined ? name : `EPSG:${own} (${name})`, def, ...(own === undefined ? {} : { epsg: own }), ...(alternatives.length > 0 ? { alternatives } : {}) };
  }
  throw new CrsError(`cannot resolve the CRS "${name}" (srs_id ${row.srs_id}, ${row.organization}:${row.organization_coordsys_id}): no definition and no authority code`);
}
