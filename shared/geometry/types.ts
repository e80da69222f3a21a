/**
 * Geometry model: GeoJSON-shaped, always 2D (Z/M are dropped on read).
 * Rings are closed (first position == last position) as GeoJSON requires.
 */
export type Position = [number, number];

export interface Point { type: 'Point'; coordinates: Position }
export interface MultiPoint { type: 'MultiPoint'; coordinates: Position[] }
export interface LineString { type: 'LineString'; coordinates: Position[] }
export interface MultiLineString { type: 'MultiLineString'; coordinates: Position[][] }
export interface Polygon { type: 'Polygon'; coordinates: Position[][] }
export interface MultiPolygon { type: 'MultiPolygon'; coordinates: Position[][][] }
export interface GeometryCollection { type: 'GeometryCollection'; geometries: Geometry[] }

export type Geometry =
  | Point
  | MultiPoint
  | LineString
  | MultiLineString
  | Polygon
  | MultiPolygon
  | GeometryCollection;

/** Axis-aligned bounding box. An empty geometry has no box (`null`). */
export interface BBox { xmin: number; ymin: number; xmax: number; ymax: number }

/** One feature as read from a feature source. `geometry` is null when empty or absent. */
export interface Feature {
  /**
   * The feature's key: its GeoPackage fid (the table's rowid) or position. Unique per
   * input; a non-integer only for a stored rowid beyond 2^53 (see `fidText`).
   */
  fid: number;
  /**
   * The fid exactly as stored, when `fid` cannot say it: NULL (null), text, real, or an
   * integer beyond 2^53 (its decimal digits). Absent when the stored fid equals `fid`.
   */
  fidText?: string | null;
  /** The user's id (value of the id column as a string), or the fid as a string; '' when the id column is NULL (`idNull`). */
  id: string;
  /** The id column is NULL for this feature (never replaced by the fid, which may equal another feature's id). */
  idNull?: boolean;
  geometry: Geometry | null;
  properties: Record<string, unknown>;
  /** Set when the stored geometry could not be read (the reason); `geometry` is then null. */
  problem?: string;
  /**
   * The GeoPackage geometry blob as stored (header and WKB), only when the reader was asked for it (`blobs`):
   * then in place of `geometry` (null) and of the blob's `problem` (unset: the blob is read where it is used).
   */
  blob?: Uint8Array;
}
