/**
 * The batch file Plan writes and Worker reads: the batch's features with
 * their geometries in the GeoPackage's CRS (each worker reprojects into each
 * raster's CRS), so a worker never needs the whole GeoPackage.
 */
import { z } from 'zod';
import type { Crs } from '../crs/crs';
import type { Geometry } from '../geometry/types';
import type { CellValue, IdKind, StatColumn } from '../output/table';

/** One batch. */
export interface BatchFile {
  jobId: string;
  batchId: string;
  crs: Crs;
  /** False when some ids of the job repeat: per-feature JSON files are then named `<id>~<fid>.json`. */
  idsUnique?: boolean;
  /** The included attributes (`input.include`), typed as the input declares them: the leading columns of every row. */
  attributes?: StatColumn[];
  /** The id column's type (`integer` when the input declares it so; default text). */
  idKind?: IdKind;
  /**
   * `fid`: the feature key (the input's rowid or position; a non-integer stands for a rowid beyond 2^53);
   * `fidText`: the stored fid when `fid` cannot say it (NULL, text, real, int64); `idNull`: the id column
   * is NULL; `attributes`: the included attributes' values; `problem`: why the feature cannot be computed
   * (found by Plan; its geometry is then null).
   */
  features: BatchFeature[];
}

/** One feature of a batch file. */
export interface BatchFeature { fid: number; fidText?: string | null; id: string; idNull?: boolean; attributes?: CellValue[]; geometry: Geometry | null; problem?: string }

const Position = z.tuple([z.number(), z.number()]);
const GeometrySchema: z.ZodType<Geometry> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('Point'), coordinates: Position }),
    z.object({ type: z.literal('MultiPoint'), coordinates: z.array(Position) }),
    z.object({ type: z.literal('LineString'), coordinates: z.array(Position) }),
    z.object({ type: z.literal('MultiLineString'), coordinates: z.array(z.array(Position)) }),
    z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(Position)) }),
    z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(Position))) }),
    z.object({ type: z.literal('GeometryCollection'), geometries: z.array(GeometrySchema) }),
  ]),
);

/** Validates a batch file read back from S3. */
export const BatchFileSchema = z.object({
  jobId: z.string(),
  batchId: z.string(),
  crs: z.object({ name: z.string(), def: z.string(), epsg: z.number().int().optional(), alternatives: z.array(z.string()).optional(), undefinedCrs: z.literal(true).optional() }),
  idsUnique: z.boolean().optional(),
  attributes: z.array(z.object({ name: z.string(), kind: z.enum(['text', 'integer', 'number', 'boolean', 'timestamp']) })).optional(),
  idKind: z.enum(['text', 'integer']).optional(),
  features: z.array(z.object({
    fid: z.number(),
    fidText: z.string().nullable().optional(),
    id: z.string(),
    idNull: z.boolean().optional(),
    attributes: z.array(z.union([z.number(), z.string(), z.boolean(), z.null()])).optional(),
    geometry: GeometrySchema.nullable(),
    problem: z.string().optional(),
  })),
});
