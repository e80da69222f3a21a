/**
 * The CRS of a non-GeoPackage input from what its format stores: WKT (Shapefile `.prj`,
 * FlatGeobuf), an authority code (FlatGeobuf, GeoJSON 2008 `crs` names), PROJJSON
 * (GeoParquet `geo` metadata). Every one of them is read by PROJ itself (see
 * `../crs/definition.ts`). A WKT naming no authority code (an ESRI `.prj` such as
 * "LUREF_Luxembourg_TM", a FlatGeobuf's bare WKT) is identified as GDAL's Shapefile driver
 * identifies a `.prj` ({@link identifiedCrs}): EPSG:2169 then stands for it everywhere (the
 * datum transformation PROJ applies and the one the summary names, an output's SRS and PROJJSON). OGC:CRS84 and EPSG:4326 are
 * lon/lat (x = longitude) as every one of these formats stores them. Errors: CrsError
 * naming the file (an unknown code or unreadable definition fails when PROJ first reads it).
 */
import { CrsError, ZonalflowError } from '../errors';
import { undefinedCrs } from '../crs/crs';
import type { Crs } from '../crs/crs';
import { crsFromEpsg } from '../crs/epsg';
import { crsFromSrs, wktEpsgCode } from '../crs/srs';
import { crsFromDefinition } from '../crs/definition';
import { identifyEpsg, loadProj } from '../crs/proj';

/** From WKT (and optionally an authority code). */
export function crsFromWkt(wkt: string | null, code: { org: string; code: number } | null, where: string): Crs {
  // GDAL's names of GeoPackage's undefined SRSs (srs_id 0, -1) as ogr2ogr writes them into a FlatGeobuf header
  // ("Undefined geographic SRS", no authority code): no CRS, as in the GeoPackage, not a geographic CRS of that name
  const undefinedName = /^\s*[A-Z]+\[\s*"(Undefined (geographic|Cartesian) SRS)"/i.exec(wkt ?? '');
  if (undefinedName?.[1] !== undefined && !(code !== null && code.code > 0) && wktEpsgCode(wkt ?? '') === undefined) {
    const geographic = undefinedName[2]?.toLowerCase() === 'geographic';
    return undefinedCrs(`"${undefinedName[1]}" (GDAL's undefined ${geographic ? 'geographic' : 'Cartesian'} SRS, GeoPackage srs_id ${geographic ? 0 : -1})`);
  }
  const org = (code?.org ?? '').toUpperCase();
  const srsId = code && org === 'EPSG' ? code.code : (wkt ? wktEpsgCode(wkt) : undefined) ?? 99999;
  try {
    return crsFromSrs({ srs_id: srsId, srs_name: null, organization: org || (wkt && wktEpsgCode(wkt) ? 'EPSG' : 'NONE'), organization_coordsys_id: code?.code ?? wktEpsgCode(wkt ?? '') ?? srsId, definition: wkt ?? 'undefined' });
  } catch (err) {
    if (err instanceof ZonalflowError) throw new CrsError(`${where}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * The CRS as GDAL reads a `.prj`: a WKT without an authority code (an ESRI `.prj`) that GDAL identifies as an
 * EPSG code (OGRShapeLayer's FindBestMatch, see identifyEpsg) becomes that code's CRS, `EPSG:n` (the definition
 * from proj.db that GDAL substitutes, so PROJ transforms from it and the summary names the operation it applies);
 * anything else is returned as it is. Loads PROJ only for such a WKT. CrsError naming `where` when PROJ cannot
 * read the text (the same error the first transformation would give).
 */
export async function identifiedCrs(crs: Crs, where: string): Promise<Crs> {
  if (crs.undefinedCrs || crs.epsg !== undefined || !/^\s*[A-Z_0-9]+\s*\[/i.test(crs.def)) return crs;
  try {
    await loadProj();
    const code = identifyEpsg(crs.def);
    return code === null ? crs : crsFromEpsg(code);
  } catch (err) {
    if (err instanceof ZonalflowError) throw new CrsError(`${where}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * From a CRS name such as `urn:ogc:def:crs:EPSG::2169`, `EPSG:2169`, `OGC:CRS84`, or an OGC http(s) URI
 * `http://www.opengis.net/def/crs/EPSG/0/2169` (GDAL reads these offline; not `.../gml/srs/epsg.xml#2169`, which
 * GDAL would fetch from the network and otherwise ignores).
 */
export function crsFromName(name: string, where: string): Crs {
  const n = name.trim();
  if (/CRS84$/i.test(n) || /^urn:ogc:def:crs:OGC:1\.3:CRS84$/i.test(n)) return crsFromEpsg(4326);
  const m = /EPSG:+(?:[\d.]*:)?(\d+)$/i.exec(n) ?? /^https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/[^/]+\/(\d+)$/.exec(n);
  if (m?.[1] !== undefined) return crsFromEpsg(Number(m[1]));
  throw new CrsError(`${where}: cannot read the CRS name "${name}"`);
}

/**
 * From a GeoJSON FeatureCollection's top-level `crs` member (the 2008 spec), its `type` read without regard to case
 * as GDAL: `name` (`properties.name`, crsFromName), `EPSG` (`properties.code`, an integer or its digits), `OGC`
 * (`properties.urn`). Absent or null: OGC:CRS84. Any other `crs` (a `link`/`URL` one GDAL would fetch, one without
 * a readable type or code) is CrsError naming it: GDAL falls back to WGS 84 there, a silent guess zonalflow does not make.
 */
export function crsFromGeoJsonMember(crs: unknown, where: string): Crs {
  if (crs === undefined || crs === null) return crsFromEpsg(4326);
  const o = crs as { type?: unknown; properties?: Record<string, unknown> | null };
  const type = typeof o === 'object' && typeof o.type === 'string' ? o.type.toLowerCase() : '';
  const props = typeof o === 'object' && o.properties !== null && typeof o.properties === 'object' ? o.properties : {};
  if (type === 'name' && typeof props.name === 'string') return crsFromName(props.name, where);
  if (type === 'ogc' && typeof props.urn === 'string') return crsFromName(props.urn, where);
  if (type === 'epsg' && (Number.isInteger(props.code) || (typeof props.code === 'string' && /^\d+$/.test(props.code)))) return crsFromEpsg(Number(props.code));
  throw new CrsError(`${where}: cannot read the top-level "crs" member ${JSON.stringify(crs).slice(0, 200)}; name the CRS ({"type": "name", "properties": {"name": "EPSG:..."}}, or ogr2ogr -a_srs EPSG:...)`);
}

/** From PROJJSON (GeoParquet). `undefined` (absent): OGC:CRS84; `null`: unknown (CrsError). */
export function crsFromProjJson(projjson: unknown, where: string): Crs {
  if (projjson === undefined) return crsFromEpsg(4326);
  if (projjson === null) throw new CrsError(`${where}: the CRS is undefined ("crs": null in the geo metadata); assign one (ogr2ogr -a_srs EPSG:...)`);
  if (typeof projjson === 'string') return crsFromName(projjson, where);
  const o = projjson as { id?: { authority?: string; code?: number | string } };
  if (o.id?.authority?.toUpperCase() === 'OGC' && String(o.id.code).toUpperCase() === 'CRS84') return crsFromEpsg(4326);
  return crsFromDefinition(JSON.stringify(projjson));
}
