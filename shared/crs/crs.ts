/** A coordinate reference system as zonalflow carries it: a name, a proj4 definition (proj string or WKT1), and the EPSG code when known. */
export interface Crs {
  name: string;
  /** A proj4js-readable definition. */
  def: string;
  epsg?: number;
}
