/**
 * The batch file Plan writes and Worker reads: the batch's features with
 * their geometries in the GeoPackage's CRS (each worker reprojects into each
 * raster's CRS), so a worker never needs the whole GeoPackage. Its header also carries the job's
 * spec, so a batch costs the worker one S3 GET, not two: with `spec.json` read by every batch,
 * 1,000 workers sent ~2,500 GET/s to that one key (45 % of S3's 5,500 GET/s per prefix,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html).
 */
import * as z from 'zod';
import type { Crs } from '../crs/crs';
import type { RecordedTransform } from '../crs/job-transform';
import type { Geometry } from '../geometry/types';
import type { CellValue, IdKind, StatColumn } from '../output/table';

/** One batch. */
export interface BatchFile {
  jobId: string;
  batchId: string;
  crs: Crs;
  /** The job's spec as Plan validated it (also in the job's `spec.json`); absent in batch files of Plans before it was added: the worker then reads `spec.json`. */
  spec?: unknown;
  /** False when some ids of the job repeat: per-feature JSON files are then named `<id>~<fid>.json`. */
  idsUnique?: boolean;
  /** The included attributes (`input.include`), typed as the input declares them: the leading columns of every row. */
  attributes?: StatColumn[];
  /** The id column's type (`integer` when the input declares it so; default text). */
  idKind?: IdKind;
  /**
   * Per raster CRS, the transform Plan chose on the layer's sample as `zonalflow stats` does (engine/job-transforms.ts
   * recordTransforms): the Worker runs it, so a job's rows are the same bits either way. Absent (a layer without a
   * sample, a time series, a Plan before it was added): PROJ for every raster.
   */
  transforms?: RecordedTransform[];
  /**
   * `fid`: the feature key (the input's rowid or position; a non-integer stands for a rowid beyond 2^53);
   * `fidText`: the stored fid when `fid` cannot say it (NULL, text, real, int64); `idNull`: the id column
   * is NULL; `attributes`: the included attributes' values; `problem`: why the feature cannot be computed
   * (found by Plan; its geometry is then null).
   */
  features: BatchFeature[];
}

/**
 * One feature of a batch file. Its geometry is either GeoJSON (`geometry`), or, from a GeoPackage, the geometry
 * blob as stored (GeoPackage header and WKB) in base64 (`gpkg`, batch-geometry.ts; then no `geometry` key: a
 * Worker that predates `gpkg` refuses the file instead of taking the features for empty).
 */
export interface BatchFeature { fid: number; fidText?: string | null; id: string; idNull?: boolean; attributes?: CellValue[]; geometry: Geometry | null; gpkg?: string; problem?: string }

/** A feature as Plan writes it: with `gpkg`, no `geometry` key. */
export type WrittenBatchFeature = Omit<BatchFeature, 'geometry'> & { geometry?: Geometry | null };

/** A position: exactly two finite numbers (as the GeoJSON Plan writes). */
function isPosition(p: unknown): boolean {
  return Array.isArray(p) && p.length === 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

/** An array of `depth` nested arrays of positions (depth 0: a position). */
function isNested(v: unknown, depth: number): boolean {
  if (depth === 0) return isPosition(v);
  if (!Array.isArray(v)) return false;
  for (const x of v) if (!isNested(x, depth - 1)) return false;
  return true;
}

/** Nesting depth of each geometry type's coordinates. */
const DEPTH: Record<string, number> = { Point: 0, MultiPoint: 1, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3 };

/**
 * Whether `v` is a GeoJSON geometry as Plan writes it: a known type with its coordinates nested to that
 * type's depth, every position two finite numbers (a GeometryCollection: its geometries likewise).
 * Checked in place: batch files carry thousands of polygons, and a schema that copies every position
 * doubled the Worker's allocations.
 */
export function isGeometry(v: unknown): v is Geometry {
  if (v === null || typeof v !== 'object') return false;
  const g = v as { type?: unknown; coordinates?: unknown; geometries?: unknown };
  if (g.type === 'GeometryCollection') return Array.isArray(g.geometries) && g.geometries.every(isGeometry);
  const depth = typeof g.type === 'string' ? DEPTH[g.type] : undefined;
  return depth !== undefined && isNested(g.coordinates, depth);
}

/** The characters of standard base64 (RFC 4648 §4) by char code: 1 when one of the alphabet's 64. */
const BASE64_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_CHAR[c.charCodeAt(0)] = 1;

/**
 * Standard base64 (RFC 4648 §4), padded, as Buffer writes it: a multiple of 4 characters of the alphabet, the last
 * one or two of them `=`. What /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/ accepts, ~7x faster
 * (the regex took ~0.1 s a Lambda thread on the 100k case's batch files).
 */
export function isBase64(s: string): boolean {
  const n = s.length;
  if (n % 4 !== 0) return false;
  let end = n;
  if (n > 0 && s.charCodeAt(n - 1) === 61 /* = */) end = s.charCodeAt(n - 2) === 61 ? n - 2 : n - 1;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || BASE64_CHAR[c] === 0) return false;
  }
  return true;
}

const GeometrySchema = z.custom<Geometry>(isGeometry, { message: 'not a GeoJSON geometry of two-number positions' });

const finite = z.number().finite();

/**
 * A transform Plan chose (crs/job-transform.ts RecordedTransform), e.g.
 * `{"to": "EPSG:32631", "engine": "proj4js", "agreement": {"points": 3201, "maxDifference": 1.9e-9, "nanMismatches": 0},
 * "tolerance": 1e-6, "box": {"xmin": 2.9, "ymin": 43.1, "xmax": 3.4, "ymax": 43.5}}` or
 * `{"to": "...", "engine": "PROJ", "reason": "datum transformation: ...", "note": ""}`.
 */
export const RecordedTransformSchema = z.discriminatedUnion('engine', [
  z.object({
    to: z.string().min(1),
    engine: z.literal('proj4js'),
    agreement: z.object({ points: z.number().int().positive(), maxDifference: finite.nonnegative(), nanMismatches: z.literal(0) }),
    tolerance: finite.positive(),
    box: z.object({ xmin: finite, ymin: finite, xmax: finite, ymax: finite }).refine((b) => b.xmin <= b.xmax && b.ymin <= b.ymax, 'an empty box'),
  }),
  z.object({ to: z.string().min(1), engine: z.literal('PROJ'), reason: z.string(), note: z.string() }),
]);

/** Validates a batch file read back from S3. */
export const BatchFileSchema = z.object({
  jobId: z.string(),
  batchId: z.string(),
  crs: z.object({ name: z.string(), def: z.string(), epsg: z.number().int().optional(), alternatives: z.array(z.string()).optional(), undefinedCrs: z.literal(true).optional() }),
  /** Parsed by the worker with parseJobSpec (the spec's own schema, defaults applied). */
  spec: z.unknown().optional(),
  idsUnique: z.boolean().optional(),
  attributes: z.array(z.object({ name: z.string(), kind: z.enum(['text', 'integer', 'number', 'boolean', 'timestamp']) })).optional(),
  idKind: z.enum(['text', 'integer', 'number']).optional(),
  transforms: z.array(RecordedTransformSchema).optional(),
  features: z.array(z.object({
    fid: z.number(),
    fidText: z.string().nullable().optional(),
    id: z.string(),
    idNull: z.boolean().optional(),
    attributes: z.array(z.union([z.number(), z.string(), z.boolean(), z.null()])).optional(),
    geometry: GeometrySchema.nullable().optional(),
    gpkg: z.string().refine(isBase64, 'not base64').optional(),
    problem: z.string().optional(),
  }).refine((f) => (f.geometry === undefined) !== (f.gpkg === undefined), { message: 'a feature has either a geometry or a gpkg blob' })),
});
