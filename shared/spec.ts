import { z } from 'zod';
import { SpecError } from './errors';

/** Coverage modes: exact fractions (exactextract), cell centers or all touched cells (rasterstats). */
export const CoverageModeSchema = z.enum(['exact', 'center', 'all_touched']);

/**
 * One raster to read.
 * @example { "name": "elev", "uri": "s3://bucket/dem.tif", "bands": [1] }
 */
export const RasterSpecSchema = z.strictObject({
  /** Column prefix; defaults to the file's stem (`dem` for `.../dem.tif`). */
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a name is letters, digits and _, not starting with a digit').optional(),
  /** `s3://bucket/key`, `https://host/path`, or a local path (local runs only). */
  uri: z.string().min(1),
  /** 1-based band numbers; default all bands. */
  bands: z.array(z.number().int().positive()).min(1).optional(),
  /** Overrides the file's nodata value (null: the file has none and none is wanted). */
  nodata: z.number().nullable().optional(),
});

/** Histogram options. */
export const HistogramSpecSchema = z.strictObject({
  bins: z.number().int().min(1).max(10_000).default(10),
  range: z.tuple([z.number(), z.number()]).refine(([a, b]) => a < b, 'range must be [min, max] with min < max').optional(),
});

/**
 * The job spec: the same for `zonalflow stats`, `zonalflow local` and the deployed pipeline.
 * @example
 * {
 *   "input": { "layer": "fields", "idColumn": "field_id" },
 *   "rasters": [{ "name": "elev", "uri": "s3://bucket/dem.tif", "bands": [1] }],
 *   "stats": ["count", "mean", "median", "q10", "q90"],
 *   "coverage": "exact",
 *   "batching": { "grid": "h3", "maxFeatures": 500 },
 *   "output": { "formats": ["parquet", "json"] }
 * }
 */
export const JobSpecSchema = z.strictObject({
  input: z
    .strictObject({
      layer: z.string().min(1).optional(),
      idColumn: z.string().min(1).optional(),
    })
    .default({}),
  rasters: z.array(RasterSpecSchema).min(1, 'at least one raster is needed'),
  stats: z.array(z.string().min(1)).min(1).default(['count', 'mean', 'min', 'max']),
  histogram: HistogramSpecSchema.optional(),
  coverage: CoverageModeSchema.default('exact'),
  batching: z
    .strictObject({
      grid: z.enum(['h3', 's2', 'mgrs']).default('h3'),
      maxFeatures: z.number().int().min(1).max(100_000).default(500),
    })
    .default({ grid: 'h3', maxFeatures: 500 }),
  output: z
    .strictObject({
      formats: z.array(z.enum(['parquet', 'json', 'csv'])).min(1).default(['parquet', 'json']),
      geometry: z.boolean().default(false),
    })
    .default({ formats: ['parquet', 'json'], geometry: false }),
  limits: z
    .strictObject({
      /** Cells of one feature held in memory at once; larger features are processed in chunks. */
      maxCellsInMemory: z.number().int().min(1024).default(4_000_000),
    })
    .default({ maxCellsInMemory: 4_000_000 }),
});

export type JobSpec = z.infer<typeof JobSpecSchema>;
export type JobSpecInput = z.input<typeof JobSpecSchema>;
export type RasterSpec = z.infer<typeof RasterSpecSchema>;
export type CoverageModeName = z.infer<typeof CoverageModeSchema>;

/** Validates a job spec; every problem is listed with its path in one readable message. */
export function parseJobSpec(input: unknown, source = 'job spec'): JobSpec {
  const result = JobSpecSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
      return `  - ${path}: ${issue.message}`;
    });
    throw new SpecError(`invalid ${source}:\n${lines.join('\n')}`, { context: { issues: result.error.issues } });
  }
  return result.data;
}

/** The default column prefix of a raster: its file stem without `.cog`/`.tif` suffixes. */
export function rasterStem(uri: string): string {
  const path = uri.replace(/[?#].*$/, '');
  const base = path.slice(path.lastIndexOf('/') + 1);
  const stem = base.replace(/\.(tiff?|TIFF?)$/, '').replace(/\.cog$/i, '');
  const cleaned = stem.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `r_${cleaned}` : cleaned || 'raster';
}
