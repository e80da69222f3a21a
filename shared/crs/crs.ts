/**
 * A coordinate reference system as zonalflow carries it: a name, the
 * definition PROJ reads (EPSG:n, ESRI:n, WKT1, WKT2, ESRI WKT, PROJJSON or a
 * PROJ string; see proj.ts), and the EPSG code when known. A CRS is a plain
 * value: nothing is parsed until PROJ transforms with it.
 */
export interface Crs {
  name: string;
  /** The definition handed to PROJ (GDAL's OSRSetFromUserInput); '' for an undefined CRS. */
  def: string;
  epsg?: number;
  /** Further definitions of the same CRS, tried in order when PROJ cannot read `def` (a GeoPackage's WKT1 behind a broken WKT2). */
  alternatives?: string[];
  /**
   * The data declares no CRS (GeoPackage srs_id 0 / -1, a LOCAL_CS/engineering
   * "Undefined SRS"): its coordinates are taken as being in the raster's CRS, as
   * GDAL and exactextract do, with a warning.
   */
  undefinedCrs?: true;
}

/** The CRS of data that declares none (see {@link Crs.undefinedCrs}). */
export function undefinedCrs(name: string): Crs {
  return { name, def: '', undefinedCrs: true };
}

/**
 * `compute(from, to)` once per pair of definitions (and `extra`, a further part of the key) for the life of
 * `cache`: PROJ's reading of a definition never changes, so neither does an answer about two of them. Pure.
 */
export function perPair<T>(cache: Map<string, T>, from: Crs, to: Crs, compute: (from: Crs, to: Crs) => T, extra = ''): T {
  const key = `${from.def}\u0000${to.def}\u0000${extra}`;
  let hit = cache.get(key);
  if (hit === undefined) {
    hit = compute(from, to);
    cache.set(key, hit);
  }
  return hit;
}
