/**
 * CRSs by authority code. The definitions are PROJ's own database (proj.db,
 * shipped inside the gdal3.js WebAssembly package, loaded lazily: see
 * proj.ts), so every EPSG code PROJ knows resolves, and ESRI codes that GDAL
 * reads (54009 World Mollweide, 102100 Web Mercator) as well: a code that is
 * not an EPSG code is looked up as an ESRI code, as GDAL's GeoTIFF reader does.
 */
import type { Crs } from './crs';

/** The CRS of an EPSG (or ESRI) code; the code is checked when PROJ first uses it (CrsError naming it when unknown). */
export function crsFromEpsg(code: number): Crs {
  return { name: `EPSG:${code}`, def: `EPSG:${code}`, epsg: code };
}
