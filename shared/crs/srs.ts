/**
 * The CRS of a GeoPackage layer from its `gpkg_spatial_ref_sys` row: an EPSG
 * code this build knows (exact datum shifts), else the WKT definition (WKT2
 * `definition_12_063` first when proj4 reads it, then WKT1), else the code.
 */
import { CrsError } from '../errors';
import type { Crs } from './crs';
import { crsFromEpsg, lookupEpsg } from './epsg';
import { projOf } from './transform';

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

/** Resolves a layer's CRS; CrsError naming the srs when nothing usable is found. */
export function crsFromSrs(row: SrsRow): Crs {
  const name = row.srs_name ?? `srs ${row.srs_id}`;
  const org = row.organization.toUpperCase();
  if (org === 'EPSG' && lookupEpsg(row.organization_coordsys_id)) return crsFromEpsg(row.organization_coordsys_id);
  if (row.srs_id === 4326) return crsFromEpsg(4326);
  for (const def of [row.definition_12_063, row.definition]) {
    if (!usable(def)) continue;
    const crs: Crs = { name, def, ...(org === 'EPSG' ? { epsg: row.organization_coordsys_id } : {}) };
    if (parses(crs)) return crs;
  }
  if (row.srs_id === -1 || row.srs_id === 0) throw new CrsError(`the layer's CRS is undefined (srs_id ${row.srs_id}: "${name}"); assign one (ogr2ogr -a_srs EPSG:...)`);
  throw new CrsError(`cannot resolve the CRS "${name}" (srs_id ${row.srs_id}, ${row.organization}:${row.organization_coordsys_id}): no definition zonalflow can read`);
}
