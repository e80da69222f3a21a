/**
 * The CRS of a non-GeoPackage input from what its format stores: WKT (Shapefile `.prj`,
 * FlatGeobuf), an authority code (FlatGeobuf, GeoJSON 2008 `crs` names), PROJJSON
 * (GeoParquet `geo` metadata). WKT and codes go through the GeoPackage rules
 * (`crsFromSrs`: a known EPSG code equivalent to the WKT wins); PROJJSON through its
 * `id` (EPSG code) or, without one, proj4's own PROJJSON reading. OGC:CRS84 and
 * EPSG:4326 are lon/lat (x = longitude) as every one of these formats stores them.
 * Errors: CrsError naming the file.
 */
import { CrsError, ZonalflowError } from '../errors';
import type { Crs } from '../crs/crs';
import { crsFromEpsg, lookupEpsg } from '../crs/epsg';
import { crsFromSrs, wktEpsgCode } from '../crs/srs';
import { crsEquivalent, projOf } from '../crs/transform';

let known: Crs[] | null = null;

/** Every EPSG CRS this build knows (scanned once). */
function knownCrss(): Crs[] {
  if (known) return known;
  known = [];
  for (let code = 2000; code <= 32800; code++) if (lookupEpsg(code)) known.push(crsFromEpsg(code));
  return known;
}

/**
 * The EPSG CRS a WKT without a code and without a datum shift describes (an ESRI `.prj`
 * such as "LUREF_Luxembourg_TM"), as GDAL identifies it: the known codes whose projection,
 * parameters and ellipsoid equal the WKT's; used only when every match applies the same
 * datum shift (else null: the WKT stays as it is).
 */
export function identifyEpsg(crs: Crs): Crs | null {
  let p: { datum?: { datum_type?: number } };
  try {
    p = projOf(crs);
  } catch {
    return null;
  }
  if ((p.datum?.datum_type ?? 5) !== 5) return null; // the WKT states its own shift
  const hits = knownCrss().filter((k) => {
    try {
      return crsEquivalent(crs, k);
    } catch {
      return false;
    }
  });
  const first = hits[0];
  if (!first) return null;
  return hits.every((h) => crsEquivalent(h, first)) ? first : null;
}

/** From WKT (and optionally an authority code). */
export function crsFromWkt(wkt: string | null, code: { org: string; code: number } | null, where: string): Crs {
  const org = (code?.org ?? '').toUpperCase();
  const srsId = code && org === 'EPSG' ? code.code : (wkt ? wktEpsgCode(wkt) : undefined) ?? 99999;
  try {
    const crs = crsFromSrs({ srs_id: srsId, srs_name: null, organization: org || (wkt && wktEpsgCode(wkt) ? 'EPSG' : 'NONE'), organization_coordsys_id: code?.code ?? wktEpsgCode(wkt ?? '') ?? srsId, definition: wkt ?? 'undefined' });
    return crs.epsg === undefined ? (identifyEpsg(crs) ?? crs) : crs;
  } catch (err) {
    if (err instanceof ZonalflowError) throw new CrsError(`${where}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** From a CRS name such as `urn:ogc:def:crs:EPSG::2169`, `EPSG:2169`, `OGC:CRS84`. */
export function crsFromName(name: string, where: string): Crs {
  const n = name.trim();
  if (/CRS84$/i.test(n) || /^urn:ogc:def:crs:OGC:1\.3:CRS84$/i.test(n)) return crsFromEpsg(4326);
  const m = /EPSG:+(?:[\d.]*:)?(\d+)$/i.exec(n);
  if (m?.[1] !== undefined) {
    const code = Number(m[1]);
    if (lookupEpsg(code)) return crsFromEpsg(code);
    throw new CrsError(`${where}: the CRS EPSG:${code} is not known to this build; convert the input (ogr2ogr -t_srs EPSG:4326) or use a GeoPackage/Shapefile with its WKT`);
  }
  throw new CrsError(`${where}: cannot read the CRS name "${name}"`);
}

/** From PROJJSON (GeoParquet). `undefined` (absent): OGC:CRS84; `null`: unknown (CrsError). */
export function crsFromProjJson(projjson: unknown, where: string): Crs {
  if (projjson === undefined) return crsFromEpsg(4326);
  if (projjson === null) throw new CrsError(`${where}: the CRS is undefined ("crs": null in the geo metadata); assign one (ogr2ogr -a_srs EPSG:...)`);
  if (typeof projjson === 'string') return crsFromName(projjson, where);
  const o = projjson as { id?: { authority?: string; code?: number | string }; name?: string };
  const auth = o.id?.authority?.toUpperCase();
  const code = o.id?.code === undefined ? undefined : Number(o.id.code);
  if (auth === 'OGC' && String(o.id?.code).toUpperCase() === 'CRS84') return crsFromEpsg(4326);
  if (auth === 'EPSG' && code !== undefined && lookupEpsg(code)) return crsFromEpsg(code);
  const crs: Crs = { name: o.name ?? 'PROJJSON CRS', def: JSON.stringify(projjson), ...(auth === 'EPSG' && code !== undefined ? { epsg: code } : {}) };
  try {
    projOf(crs);
    return crs;
  } catch (err) {
    throw new CrsError(`${where}: cannot read the PROJJSON CRS "${o.name ?? '?'}"${auth ? ` (${auth}:${String(o.id?.code)})` : ''}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
