/**
 * One interface over every vector format zonalflow reads (GeoPackage, GeoParquet,
 * FlatGeobuf, GeoJSON / GeoJSONSeq, Shapefile, and an in-memory twin for tests):
 * a layer with a CRS, attribute columns and features streamed in file order.
 * Large inputs are never read whole (pages, row groups, streams); `count()` is
 * what the file says cheaply (null when only a full scan would tell).
 */
import type { Crs } from '../crs/crs';
import type { BBox, Feature } from '../geometry/types';

/** The formats read, by name (messages, docs). */
export type FeatureFormat = 'GeoPackage' | 'GeoParquet' | 'FlatGeobuf' | 'GeoJSON' | 'GeoJSONSeq' | 'Shapefile' | 'memory';

/** Options of `features()`. */
export interface SourceFeatureOptions {
  /** Attribute holding the user's id (default: the fid). */
  idColumn?: string | undefined;
  /** Attributes returned in `properties` (default: none). */
  columns?: readonly string[] | undefined;
  /** GeoPackage: each feature carries its geometry blob as stored (`Feature.blob`) instead of the geometry parsed; other formats ignore it. */
  blobs?: boolean | undefined;
}

/**
 * The type of an attribute column as the format declares it (GeoPackage's SQL type, Parquet's
 * physical/logical type, FlatGeobuf's column type, the DBF field type): what an included
 * attribute becomes in the outputs. GeoJSON declares none: the kind of the type GDAL infers over every feature.
 */
export type AttributeKind = 'text' | 'integer' | 'number' | 'boolean' | 'timestamp';

/** A feature's key and id (as in Feature: `idNull`, `fidText`) and the bbox of its finite positions (null: empty or unreadable geometry). */
export interface FeatureBox { fid: number; id: string; idNull?: boolean; fidText?: string | null | undefined; bbox: BBox | null }

/** An open layer of features. */
export interface FeatureSource {
  /** The input's path (messages). */
  readonly path: string;
  readonly format: FeatureFormat;
  /** The layer's name (file stem for single-layer formats). */
  readonly layer: string;
  /** The coordinates' CRS. */
  readonly crs: Crs;
  /** Attribute columns known before reading the features (GeoJSON: GDAL's fields, from a first pass over every feature). */
  readonly columns: readonly string[];
  /** The declared type of an attribute column (or of the fid column, `integer`); `text` when unknown. */
  columnKind(name: string): AttributeKind;
  /** Feature count when the file states it (header, metadata), else null. */
  count(): Promise<number | null>;
  /**
   * The features in file order. `fid`: the stored feature id (GeoPackage fid, a `fid`
   * column, GeoJSON's integer `id`), else the 0-based position in the file (as GDAL numbers
   * FlatGeobuf, Shapefile and GeoJSON features). Unknown `idColumn`/`columns`: InputError.
   */
  features(opts?: SourceFeatureOptions): AsyncGenerator<Feature>;
  /**
   * The features of `features()` in the same order with the bbox of their geometry instead of the
   * geometry, when the format can give it without building the geometry (GeoPackage): Plan's first pass.
   */
  boxes?(opts?: Pick<SourceFeatureOptions, 'idColumn'>): AsyncGenerator<FeatureBox>;
  /** Random access by fid, when the format has it (GeoPackage). */
  featuresByFid?(fids: readonly number[], opts?: SourceFeatureOptions): Feature[];
  close(): void;
}

/** The id as text: strings as they are, numbers without a trailing .0, blobs in hex; absent -> the fid (a NULL id column value: see Feature.idNull). */
export function idText(v: unknown, fid: number): string {
  if (v === null || v === undefined) return String(fid);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v);
}
