/**
 * `zonalflow estimate` / `run --dry-run`: what a job will cost before it starts. Reads the input
 * and the spec, opens every raster's header (the allow-list first: a forbidden or unreadable raster
 * fails here, as it would fail Plan), batches the features exactly as Plan does, and counts for every
 * batch the range requests and bytes its worker will read (the tiles its features' windows touch,
 * merged as the worker merges them) and the cells it will visit. Then prices it (./model.ts).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { openFeatureSource } from '../features/open';
import type { JobSpec } from '../spec';
import type { AllowedSources } from '../io/uri';
import type { CountingSource } from '../io/source.counting';
import { countInto } from '../io/source.counting';
import { mergeRanges } from '../io/range-plan';
import { openZonalRasters } from '../engine/rasters';
import { crsFromEpsg } from '../crs/epsg';
import { ensureProj, makeTransformer } from '../crs/transform';
import { transformGeometry } from '../geometry/transform';
import { geometryWindow } from '../coverage/coverage';
import { planBatches } from '../batching/plan';
import type { PlanFeature } from '../batching/plan';
import { planPoint } from '../pipeline/plan';
import { checkLayerCrs, checkUniqueFids, includedColumns } from '../engine/job-checks';
import { zonalColumns } from '../engine/zonal';
import { zonalOptions } from '../engine/options';
import { parseStatNames } from '../stats/names';
import type { Feature } from '../geometry/types';
import type { Window } from '../raster/grid';
import { estimateCost } from './model';
import type { Estimate, JobShape, PriceTable, StackShape } from './model';
import PRICES from './prices.2026-11-30.json' with { type: 'json' };

/** The price table shipped with this version (dated; compiled into the CLI). */
export function loadPrices(): PriceTable {
  return PRICES;
}

/** The defaults of the deployed stack (infra/stack.ts). */
export const DEFAULT_STACK: StackShape = { workerMemoryMb: 2048, planMemoryMb: 3008, collectMemoryMb: 3008, mapExecutionType: 'STANDARD' };

/** What to estimate. */
export interface EstimateOptions {
  input: string;
  spec: JobSpec;
  allowed: AllowedSources;
  s3Client?: S3Client | undefined;
  stack?: Partial<StackShape>;
  prices?: PriceTable;
}

/** The job's shape and its estimate. */
export interface EstimateResult { shape: JobShape; estimate: Estimate; notes: string[] }

/**
 * Estimates a job (see the module comment). Errors: those of opening the input and the rasters, unchanged, and
 * those the job itself raises on its spec and input before it computes (Plan, `stats`): an unknown statistic
 * (parseStatNames), a layer CRS PROJ cannot use and an `input.include` column the layer lacks, repeats, reserves
 * or names like a statistic column, a fid two features share (job-checks.ts), an `input.idColumn` it lacks (the source's own check when its
 * features are read with that id column): the same functions, so the same lines.
 */
export async function estimateJob(opts: EstimateOptions): Promise<EstimateResult> {
  const { spec } = opts;
  const notes: string[] = [];
  parseStatNames(spec.stats);
  const layer = await openFeatureSource(opts.input, { layer: spec.input.layer });
  const counters: CountingSource[] = [];
  try {
    await ensureProj();
    // the job's own checks of the layer against the spec, before a feature is read (job-checks.ts): its CRS, then
    // (after the rasters open, as the job opens them) the included attributes against the statistic columns
    checkLayerCrs(opts.input, layer);
    if (spec.stac) notes.push('time series: the scenes are found by Plan\'s STAC search; their requests are not counted here (features and batches are)');
    const rasters = spec.stac ? [] : await openZonalRasters(spec.rasters, {
      allowed: opts.allowed,
      s3Client: opts.s3Client,
      wrapSource: countInto(counters),
    });
    includedColumns(layer, spec, spec.stac ? (await import('../engine/timeseries')).timeseriesColumns(spec) : zonalColumns(rasters, zonalOptions(spec, undefined, false)));
    const toLonLat = makeTransformer(layer.crs, crsFromEpsg(4326));
    const features = new Map<number, Feature>();
    const points: PlanFeature[] = [];
    for await (const f of layer.features({ columns: [], ...(spec.input.idColumn === undefined ? {} : { idColumn: spec.input.idColumn }) })) {
      features.set(f.fid, f);
      points.push(planPoint(f, toLonLat));
    }
    // two features with one fid: Plan refuses the layer (job-checks.ts), so the estimate does, with its line
    checkUniqueFids(layer, points.map((p) => p.fid));
    const plan = planBatches(points, { grid: spec.batching.grid, maxFeatures: spec.batching.maxFeatures });
    let rasterRequests = 0;
    let rasterBytes = 0;
    let cells = 0;
    // each worker opens every raster: the header requests counted while opening them here
    const headerRequests = counters.reduce((a, c) => a + c.requests, 0);
    rasterRequests += headerRequests * plan.batches.length;
    const maxCells = spec.limits.maxCellsInMemory;
    for (const r of rasters) {
      const toRaster = makeTransformer(layer.crs, r.crs);
      const grid = r.raster.info.grid;
      for (const b of plan.batches) {
        const windows: Window[] = [];
        for (const fid of b.fids) {
          const g = features.get(fid)?.geometry;
          if (!g) continue;
          let w: Window | null = null;
          try {
            w = geometryWindow(toRaster ? transformGeometry(g, toRaster) : g, grid);
          } catch {
            w = null; // the worker records this feature's reprojection error
          }
          if (w === null) continue;
          cells += w.rows * w.cols * r.bands.length;
          windows.push(w);
        }
        const small = windows.filter((w) => w.rows * w.cols <= maxCells);
        const merged = mergeRanges(r.raster.tileRanges(small, r.bands));
        rasterRequests += merged.length;
        rasterBytes += merged.reduce((a, m) => a + m.length, 0);
        // windows over the memory bound are read chunk by chunk, each chunk's tiles in its own requests
        for (const w of windows.filter((x) => x.rows * x.cols > maxCells)) {
          const ranges = mergeRanges(r.raster.tileRanges([w], r.bands));
          rasterRequests += ranges.length;
          rasterBytes += ranges.reduce((a, m) => a + m.length, 0);
        }
      }
    }
    const shape: JobShape = { features: points.length, batches: plan.batches.length, rasterRequests, rasterBytes, cells, formats: spec.output.formats, timeseries: spec.stac !== undefined };
    const estimate = estimateCost(shape, { ...DEFAULT_STACK, ...opts.stack }, opts.prices ?? loadPrices());
    return { shape, estimate, notes };
  } finally {
    layer.close();
    await Promise.all(counters.map((c) => c.close()));
  }
}

