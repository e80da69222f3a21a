/**
 * The CRS of a GeoPackage layer from its `gpkg_spatial_ref_sys` row. The
 * definition decides: WKT2 `definition_12_063` when proj4 reads it, else WKT1
 * `definition`. When the row (organization EPSG) or the WKT's own top-level
 * AUTHORITY/ID names an EPSG code this build knows, and that code's definition
 * is equivalent to the WKT, the code's definition is used (it carries the EPSG
 * datum shift that GDAL leaves out of WKT1). A code whose definition disagrees
 * with the WKT is ignored (the WKT wins). No usable WKT: the code alone.
 * srs_id -1 (undefined Cartesian) and 0 (undefined geographic) are CrsErrors.
 */
import { CrsError } from '../errors';
import type { Crs } from './crs';
import { crsFromEpsg, lookupEpsg } from './epsg';
import { crsEquivalent, projOf } from './transform';

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

function parses(crs: Crs): boolean {
  try {
    projOf(crs);
    return true;
  } catch {
    return false;
  }
}

/** The EPSG code of a WKT's outermost AUTHORITY["EPSG","n"] (WKT1) or ID["EPSG",n] (WKT2), or undefined. */
export function wktEpsgCode(wkt: string): number | undefined {
  const m = /(?:AUTHORITY|ID)\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]\s*\]\s*$/i.exec(wkt.trim());
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Resolves a layer's CRS; CrsError naming the srs when nothing usable is found. */
export function crsFromSrs(row: SrsRow): Crs {
  const name = row.srs_name ?? `srs ${row.srs_id}`;
  const org = String(row.organization ?? '').toUpperCase();
  let fromDef: Crs | null = null;
  for (const def of [row.definition_12_063, row.definition]) {
    if (!usable(def)) continue;
    const crs: Crs = { name, def };
    if (parses(crs)) {
      fromDef = crs;
      break;
    }
  }
  const codes = [org === 'EPSG' ? Number(row.organization_coordsys_id) : undefined, fromDef ? wktEpsgCode(fromDef.def) : undefined, row.srs_id === 4326 && !fromDef ? 4326 : undefined];
  for (const code of codes) {
    if (code === undefined || !lookupEpsg(code)) continue;
    const known = crsFromEpsg(code);
    if (!fromDef || crsEquivalent(fromDef, known)) return known;
  }
  if (fromDef) return fromDef;
  if (row.srs_id === -1 || row.srs_id === 0) {
    throw new CrsError(`the layer's CRS is undefined (srs_id ${row.srs_id}: "${name}", ${row.srs_id === -1 ? 'undefined Cartesian' : 'undefined geographic'}); assign one (ogr2ogr -a_srs EPSG:...)`);
  }
  throw new CrsError(`cannot resolve the CRS "${name}" (srs_id ${row.srs_id}, ${row.organization}:${row.organization_coordsys_id}): no definition zonalflow can read and the code is not known without one`);
}
