/**
 * The batch file Plan writes and Worker reads: the batch's features with
 * their geometries in the GeoPackage's CRS (each worker reprojects into each
 * raster's CRS), so a worker never needs the whole GeoPackage.
 */
import { z } from 'zod';
import type { Crs } from '../crs/crs';
import type { Geometry } from '../geometry/types';

/** One batch. */
export interface BatchFile {
  jobId: string;
  batchId: string;
  crs: Crs;
  /** False when some ids of the job repeat: per-feature JSON files are then named `<id>~<fid>.json`. */
  idsUnique?: boolean;
  /** `problem`: why the feature cannot be computed (found by Plan; its geometry is then null). */
  features: { fid: number; id: string; geometry: Geometry | null; problem?: string }[];
}

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
  features: z.array(z.object({ fid: z.number().int(), id: z.string(), geometry: GeometrySchema.nullable(), problem: z.string().optional() })),
});
