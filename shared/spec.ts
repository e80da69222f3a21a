import * as z from 'zod';
import { SpecError } from './errors';
import { parseExpression } from './timeseries/expression';
import { emptyStatNamesProblem, parseStatNames, POSITION_STATS, WEIGHTED_STATS } from './stats/names';
import { resolveOperations } from './spec-operations';

import { LIMIT_DEFAULTS } from './limits';
import { RASTER_NAME, RASTER_NAME_RULE } from './raster-stem';
import { nonBlank, pathLabel, readableIssue } from './spec-issues';
import type { SpecProblem } from './spec-issues';

/** Defaults of the resource limits (`limits` in the spec; limits.ts). */
export { LIMIT_DEFAULTS };

/** Coverage modes: exact fractions (exactextract), cell centers or all touched cells (rasterstats). */
export const CoverageModeSchema = z.enum(['exact', 'center', 'all_touched']);

/**
 * One raster to read.
 * @example { "name": "elev", "uri": "s3://bucket/dem.tif", "bands": [1] }
 */
export const RasterSpecSchema = z.strictObject({
  /** Column prefix; defaults to the file's stem (`dem` for `.../dem.tif`). */
  name: z.string().regex(RASTER_NAME, RASTER_NAME_RULE).optional(),
  /** `s3://bucket/key`, `https://host/path`, or a local path (local runs only). */
  uri: nonBlank({ uri: true }),
  /** 1-based band numbers; default all bands. */
  bands: z.array(z.number().int().positive()).min(1).optional(),
  /** Overrides the file's nodata value (null: the file has none and none is wanted). */
  nodata: z.number().nullable().optional(),
  /** s3:// in a requester-pays bucket: the reader pays (default: AWS_REQUEST_PAYER=requester, as in GDAL). */
  requesterPays: z.boolean().optional(),
});

/**
 * The weights raster of exactextract's weighted statistics (`weighted_mean`, `weighted_frac`...).
 * @example { "uri": "s3://bucket/population.tif", "band": 1 }
 */
export const WeightsSpecSchema = z.strictObject({
  uri: nonBlank({ uri: true }),
  /** 1-based band (default 1). */
  band: z.number().int().positive().default(1),
  /** Overrides the file's nodata value (null: none). */
  nodata: z.number().nullable().optional(),
});

/** exactextract's `coverage_weight`: what a cell's coverage counts as. */
export const CoverageWeightSchema = z.enum(['fraction', 'none', 'area_cartesian', 'area_spherical_m2', 'area_spherical_km2']);

/** Histogram options. */
export const HistogramSpecSchema = z.strictObject({
  bins: z.number().int().min(1).max(10_000).default(10),
  range: z.tuple([z.number(), z.number()]).refine(([a, b]) => a < b, 'range must be [min, max] with min < max').optional(),
});

/** A STAC search: the items (scenes) whose assets are the rasters of a time-series job. */
export const StacSpecSchema = z.strictObject({
  /** The STAC API root (POST {api}/search). */
  api: z.string().url(),
  collections: z.array(nonBlank()).min(1),
  /** `start/end` (ISO 8601 dates or datetimes). */
  datetime: z.string().regex(/^[^/]+\/[^/]+$/, 'datetime is start/end, e.g. 2024-04-01/2024-09-30'),
  /** STAC query extension, e.g. { "eo:cloud_cover": { "lt": 80 } }. */
  query: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  /** Band name -> asset key of the items, e.g. { "red": "red", "nir": "nir", "scl": "scl" }. */
  assets: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), nonBlank()).refine((a) => Object.keys(a).length > 0, 'at least one asset'),
  /** Items per page asked from the API. */
  limit: z.number().int().min(1).max(10_000).default(100),
});

/** Masking of a time series. */
export const MaskSpecSchema = z.strictObject({
  /** true (default): a band's nodata value (and NaN, the per-dataset mask) makes a cell invalid. false: the nodata value is read as an ordinary number (cells outside the raster, NaN and the mask stay invalid). */
  nodata: z.boolean().default(true),
  /** A class band (Sentinel-2 SCL style): cells of the excluded classes are masked, grown by `dilate` cells. */
  classes: z.strictObject({ band: nonBlank(), exclude: z.array(z.number().int()).min(1), dilate: z.number().int().min(0).max(100).default(0) }).optional(),
});

/**
 * The job spec: the same for `zonalflow stats`, `zonalflow local` and the deployed pipeline.
 * @example
 * {
 *   "input": { "layer": "fields", "idColumn": "field_id", "include": ["crop", "area_ha"] },
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
      layer: nonBlank().optional(),
      idColumn: nonBlank().optional(),
      /** Attributes carried to the outputs as leading columns, typed as the input declares them (`--include-cols`). */
      include: z.array(nonBlank()).optional(),
    })
    .default({}),
  rasters: z.array(RasterSpecSchema).default([]),
  /** Time series: scenes from a STAC API instead of `rasters`. */
  stac: StacSpecSchema.optional(),
  mask: MaskSpecSchema.optional(),
  /** Band math: output name -> expression over the STAC asset names, e.g. { "ndvi": "(nir - red) / (nir + red)" }. */
  bands: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), nonBlank()).default({}),
  /** What the statistics are computed on: band-math names and/or asset names (default: every band-math output, else every asset). */
  outputs: z.array(nonBlank()).optional(),
  /** `scene` (one row per acquisition) or an ISO-8601 duration (P1D, P10D, P1M) compositing scenes per interval. */
  interval: z.string().regex(/^(scene|P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?)$/, 'interval is "scene" or an ISO-8601 duration such as P1D, P10D, P1M').default('scene'),
  /** Compositing of the scenes of an interval before the statistics. */
  composite: z.enum(['mean', 'median']).default('mean'),
  /** The last, shorter interval (Sentinel Hub's lastIntervalBehavior). */
  lastInterval: z.enum(['SKIP', 'SHORTEN', 'EXTEND']).default('SKIP'),
  /** `linear`: cells without valid data in an interval are filled by linear interpolation in time between the neighbouring composites (openEO's array_interpolate_linear; leading and trailing gaps stay empty); rows say so in an `interpolated` column. */
  interpolate: z.enum(['none', 'linear']).default('none'),
  /** Statistic names (stats/names.ts); an empty one is named by its position in the list (`mean,,max`: position 2). */
  stats: z.array(z.string()).min(1).check((ctx) => {
    const problem = emptyStatNamesProblem(ctx.value);
    if (problem !== null) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
  }).default(['count', 'mean', 'min', 'max']),
  histogram: HistogramSpecSchema.optional(),
  coverage: CoverageModeSchema.default('exact'),
  /** Weights raster for the weighted statistics (same or a compatible grid as each raster). */
  weights: WeightsSpecSchema.optional(),
  /** exactextract's coverage_weight (coverage "exact" only). */
  coverageWeight: CoverageWeightSchema.default('fraction'),
  /** exactextract's min_coverage_frac: cells covered less are left out (coverage "exact" only). */
  minCoverageFrac: z.number().min(0).max(1).default(0),
  /** exactextract's default_value: the value given to nodata cells inside the raster. */
  defaultValue: z.number().optional(),
  /** exactextract's default_weight: the weight where the weights raster is nodata. */
  defaultWeight: z.number().optional(),
  batching: z
    .strictObject({
      grid: z.enum(['h3', 's2', 'mgrs']).default('h3'),
      maxFeatures: z.number().int().min(1).max(100_000).default(500),
    })
    .default({ grid: 'h3', maxFeatures: 500 }),
  output: z
    .strictObject({
      /**
       * `parquet` always; `json` only when asked (per-feature documents: on AWS one JSON Lines object per batch
       * part, `features/<shard>/<batchId>.<cursor>.jsonl`, expanded to Sentinel Hub's `features/<id>.json` on download);
       * `csv` beside results.parquet.
       */
      formats: z.array(z.enum(['parquet', 'json', 'csv'])).min(1).default(['parquet']),
      geometry: z.boolean().default(false),
    })
    .default({ formats: ['parquet'], geometry: false }),
  limits: z
    .strictObject({
      /** Cells of one feature held in memory at once; larger features are processed in chunks. */
      maxCellsInMemory: z.number().int().min(1024).default(4_000_000),
      /** Cells one feature may cover on one raster (its window, clipped to the raster); more is an error for that feature. 2^28 = a 16384 x 16384 window. */
      maxCellsPerFeature: z.number().int().min(1024).default(LIMIT_DEFAULTS.maxCellsPerFeature),
      /** `zonalflow stats` holds every row until it writes: features x histogram bins x histogram columns at most. */
      maxHistogramCounts: z.number().int().min(1).default(LIMIT_DEFAULTS.maxHistogramCounts),
      /** `zonalflow stats` holds every row until it writes: features x intervals (or acquisitions) of a time series at most. */
      maxTimeseriesRows: z.number().int().min(1).default(LIMIT_DEFAULTS.maxTimeseriesRows),
    })
    .default({ maxCellsInMemory: 4_000_000, ...LIMIT_DEFAULTS }),
});

export type JobSpec = z.infer<typeof JobSpecSchema>;
export type StacSpec = z.infer<typeof StacSpecSchema>;
export type JobSpecInput = z.input<typeof JobSpecSchema>;
export type RasterSpec = z.infer<typeof RasterSpecSchema>;
export type CoverageModeName = z.infer<typeof CoverageModeSchema>;

/** How {@link parseJobSpec} names the fields of its problems and what else it reports with them. */
export interface SpecCheckOptions {
  /**
   * The name a user knows a field by (e.g. `--raster` for `rasters.0.uri` when the option set it), or undefined
   * for the field's path in the spec (`rasters.0.uri`).
   */
  label?: (path: readonly PropertyKey[]) => string | undefined;
  /** Problems found before the spec was built (an option's value that is not a number...), listed first, with the spec's own. */
  problems?: readonly { label: string; message: string }[];
}

/**
 * Validates a job spec; every problem is listed in one message, one line each (`  - <field>: <problem>`), so
 * that no problem hides another (a bad coverage mode and an unknown statistic are both named).
 */
export function parseJobSpec(input: unknown, source = 'job spec', opts: SpecCheckOptions = {}): JobSpec {
  // exactextract's operation arguments (`quantile(b04,q=0.25)`, `mean(min_coverage_frac=0.5)`) become the job's settings
  const ops = resolveOperations(input);
  const result = JobSpecSchema.superRefine(crossFieldProblems).safeParse(ops.input, { error: readableIssue });
  const given = opts.problems ?? [];
  if (result.success && given.length === 0 && ops.problems.length === 0) return result.data;
  const label = (path: readonly PropertyKey[]): string => opts.label?.(path) ?? pathLabel(path);
  const problems: SpecProblem[] = [
    ...ops.problems.map((message) => ({ path: ['stats'], message })),
    ...(result.success ? [] : result.error.issues.map((i) => ({ path: i.path, message: i.message }))),
  ];
  const all = [...given.map((p) => ({ field: p.label, message: p.message })), ...problems.map((p) => ({ field: label(p.path), message: p.message }))];
  // the statistic names are checked when the spec is otherwise valid (parseStatNames, one line); here
  // too, so that one message lists every problem
  const names = statNamesProblem(ops.input);
  if (names !== null && !problems.some((p) => p.path[0] === 'stats')) all.push({ field: label(['stats']), message: names });
  throw new SpecError(specProblemsMessage(source, all), { context: { problems: all } });
}

/**
 * One problem: one line (`--raster: empty URI; ...` for an option, `invalid job spec x.json: coverage: ...`
 * for a field of the spec); several: `invalid <source>:` and one line each, `  - <field>: <problem>`.
 */
export function specProblemsMessage(source: string, problems: readonly { field: string; message: string }[]): string {
  const only = problems.length === 1 ? problems[0] : undefined;
  if (only !== undefined) return only.field.startsWith('--') ? `${only.field}: ${only.message}` : `invalid ${source}: ${only.field}: ${only.message}`;
  return `invalid ${source}:\n${problems.map((p) => `  - ${p.field}: ${p.message}`).join('\n')}`;
}

/** The rules between fields (weights for weighted statistics, coverage-only options, rasters or stac...). */
function crossFieldProblems(spec: z.output<typeof JobSpecSchema>, ctx: z.RefinementCtx): void {
  const weighted = spec.stats.filter((st) => WEIGHTED_STATS.has(st));
  if (weighted.length > 0 && spec.weights === undefined) ctx.addIssue({ code: 'custom', path: ['weights'], message: `${weighted.join(', ')} ${weighted.length === 1 ? 'needs' : 'need'} a weights raster (--weights <uri>, or "weights": {"uri": ...} in a spec)` });
  if (spec.coverage !== 'exact') {
    if (weighted.length > 0) ctx.addIssue({ code: 'custom', path: ['stats'], message: `${weighted.join(', ')} ${weighted.length === 1 ? 'needs' : 'need'} coverage "exact"; in "${spec.coverage}" mode frac and unique are rasterstats' categorical counts and there is no weighted form` });
    if (spec.coverageWeight !== 'fraction') ctx.addIssue({ code: 'custom', path: ['coverageWeight'], message: `"${spec.coverageWeight}" needs coverage "exact"` });
    if (spec.minCoverageFrac > 0) ctx.addIssue({ code: 'custom', path: ['minCoverageFrac'], message: 'needs coverage "exact"' });
  }
  const positions = spec.stats.filter((st) => POSITION_STATS.has(st));
  if (spec.stac !== undefined && positions.length > 0) ctx.addIssue({ code: 'custom', path: ['stats'], message: `${positions.join(', ')}: computed over "rasters", not over a "stac" time series` });
  if (spec.stac !== undefined && (spec.weights !== undefined || weighted.length > 0)) ctx.addIssue({ code: 'custom', path: ['weights'], message: 'weights apply to "rasters", not to a "stac" time series' });
  if (spec.stac === undefined && spec.rasters.length === 0) ctx.addIssue({ code: 'custom', path: ['rasters'], message: 'at least one raster is needed (or a "stac" search)' });
  if (spec.stac !== undefined && spec.rasters.length > 0) ctx.addIssue({ code: 'custom', path: ['rasters'], message: 'give either "rasters" or "stac", not both' });
  if (spec.stac === undefined) {
    for (const k of ['mask', 'outputs'] as const) if (spec[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `"${k}" applies to a "stac" time series` });
    if (spec.interpolate !== 'none') ctx.addIssue({ code: 'custom', path: ['interpolate'], message: '"interpolate" applies to a "stac" time series' });
    // band math over the rasters: syntax here, names and grids when the rasters are opened
    for (const [name, expr] of Object.entries(spec.bands)) {
      try {
        parseExpression(expr, undefined, `band "${name}"`);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['bands', name], message: err instanceof Error ? err.message : String(err) });
      }
    }
    return;
  }
  const assets = Object.keys(spec.stac.assets);
  const known = [...assets, ...Object.keys(spec.bands)];
  for (const o of spec.outputs ?? []) if (!known.includes(o)) ctx.addIssue({ code: 'custom', path: ['outputs'], message: `unknown output "${o}" (known: ${known.join(', ')})` });
  for (const [name, expr] of Object.entries(spec.bands)) {
    try {
      parseExpression(expr, assets, `band "${name}"`);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['bands', name], message: err instanceof Error ? err.message : String(err) });
    }
  }
  const cls = spec.mask?.classes?.band;
  if (cls !== undefined && !assets.includes(cls)) ctx.addIssue({ code: 'custom', path: ['mask', 'classes', 'band'], message: `the class band "${cls}" is not among the assets (${assets.join(', ')})` });
}

/** Why the spec's `stats` (when a list of names) names an unknown statistic, or null. */
function statNamesProblem(input: unknown): string | null {
  const stats = typeof input === 'object' && input !== null ? (input as { stats?: unknown }).stats : undefined;
  if (!Array.isArray(stats) || !stats.every((n): n is string => typeof n === 'string' && n.trim() !== '')) return null;
  try {
    parseStatNames(stats);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Every raster URI the spec reads (rasters, then the weights raster): what a local allow-list admits. */
export function specRasterUris(spec: JobSpec): string[] {
  return [...spec.rasters.map((r) => r.uri), ...(spec.weights ? [spec.weights.uri] : [])];
}

export { rasterStem } from './raster-stem';
