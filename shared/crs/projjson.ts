/**
 * A CRS as PROJJSON text (PROJ's `proj_as_projjson`, the form GeoParquet 1.1's `crs` takes).
 * A CRS that names an EPSG code and whose definition is equivalent to that code's (a
 * GeoPackage's WKT1 for srs_id 2169) is exported from the code, as GDAL's GeoPackage driver
 * reads it: PROJJSON with the code's `id`, names and usage, which a WKT1 lacks. PROJ must be
 * loaded (ensureProj).
 */
import type { Crs } from './crs';
import { projJson } from './proj';
import { crsEquivalent, resolveSrs } from './transform';

/** The CRS as PROJJSON text, or null for an undefined CRS (coordinates in no declared CRS). CrsError when PROJ cannot read it. */
export function crsProjJson(crs: Crs): string | null {
  if (crs.undefinedCrs) return null;
  if (crs.epsg !== undefined) {
    const code: Crs = { name: `EPSG:${crs.epsg}`, def: `EPSG:${crs.epsg}` };
    const { epsg: _epsg, ...own } = crs;
    try {
      if (crsEquivalent(own, code)) return projJson(code.def);
    } catch {
      // the code is unknown to PROJ: the definition itself
    }
  }
  return projJson(resolveSrs(crs).def);
}
