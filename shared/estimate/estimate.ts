/**
 * `zonalflow estimate` / `run --dry-run`: what a job will cost before it starts. Reads the input
 * and the spec, opens every raster's header (the allow-list first: a forbidden or unreadable raster
 * fails here, as it would fail Plan), batches the features exactly as Plan does, and counts for every
 * batch the range requests and bytes its worker will read (the tiles its features' windows touch,
 * merged as the worker merges them) and the cells it will visit. Then prices it (./model.ts).
 * It also gives the warnings `zonalflow stats` would give for the same input, spec and rasters, from the code that
 * makes them, as far as no pixel is read ({@link EstimateResult.warnings}). A time series (`spec.stac`): the STAC
 * search Plan runs and each batch's scene reads as its Worker's engine makes them (./timeseries.ts).
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
import { ensureProj, geographicTarget, makeTransformer } from '../crs/transform';
import { planBatches } from '../batching/plan';
import type { PlanFeature } from '../batching/plan';
import { planPoint } from '../pipeline/plan';
import { checkCollectRows } from '../pipeline/collect-budget';
import { checkLayerCrs, checkUniqueFids, includedColumns } from '../engine/job-checks';
import { ZonalEngine } from '../engine/zonal';
import type { EngineFeature, PreparedChunk } from '../engine/zonal';
import { openWeightsRaster, zonalOptions } from '../engine/options';
import { FieldsOf } from '../engine/attributes';
import { outsideWarning } from '../engine/crs-check';
import { DuplicateIds, duplicateIdWarning, missingId, nullFidWarning } from '../engine/duplicate-ids';
import type { ResultRow } from '../output/table';
import { parseStatNames } from '../stats/names';
import type { Feature } from '../geometry/types';
import type { Window } from '../raster/grid';
import type { Raster } from '../raster/cog';
import type { WindowReader } from '../engine/band-math';
import { estimateCost } from './model';
import type { Estimate, JobShape, PriceTable, StackShape } from './model';
import PRICES from './prices.2026-11-30.json' with { type: 'json' };
import { readsColumns } from '../features/reads-columns';
import { extendSearchArea } from '../timeseries/stac';
import type { BBox } from '../geometry/types';
import type { TimeseriesFacts } from './timeseries';

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
export interface EstimateResult {
  shape: JobShape;
  estimate: Estimate;
  notes: string[];
  /**
   * The warnings `zonalflow stats` gives for this input, spec and rasters, in its order, from the same functions
   * (the same lines): the zonal engine's (a layer or raster without a CRS), most features touching no raster
   * (crs-check.ts), NULL ids and included values that do not fit their column (attributes.ts), a time series'
   * engine's (scene assets without a CRS), NULL fids and repeated ids (duplicate-ids.ts). Not those that need
   * pixels read.
   */
  warnings: string[];
  /** A time series: its search's and scenes' figures (./timeseries.ts). */
  timeseries?: TimeseriesFacts;
}

/** Features checked at once for the warnings (one PROJ call per raster, as stats reads them). */
const CHECK_CHUNK = 1000;

/**
 * Estimates a job (see the module comment). Errors: those of opening the input and the rasters, unchanged, and
 * those the job itself raises on its spec and input before it computes (Plan, `stats`): an unknown statistic
 * (parseStatNames), a layer CRS PROJ cannot use and an `input.include` column the layer lacks, repeats, reserves
 * or names like a statistic column, a fid two features share (job-checks.ts), an `input.idColumn` it lacks (the source's own check when its
 * features are read with that id column), more rows or batches than Collect merges within its 15 minutes (Plan's
 * checkCollectRows, collect-budget.ts; a time series' after its search): the same functions, so the same lines.
 */
export async function estimateJob(opts: EstimateOptions): Promise<EstimateResult> {
  const { spec } = opts;
  const notes: string[] = [];
  parseStatNames(spec.stats);
  const layer = await openFeatureSource(opts.input, { layer: spec.input.layer, fields: readsColumns(spec.input) });
  const counters: CountingSource[] = [];
  try {
    await ensureProj();
    // the job's own checks of the layer against the spec, before a feature is read (job-checks.ts): its CRS, then
    // (after the rasters open, as the job opens them) the included attributes against the statistic columns
    checkLayerCrs(opts.input, layer);
    const rasters = spec.stac ? [] : await openZonalRasters(spec.rasters, {
      allowed: opts.allowed,
      s3Client: opts.s3Client,
      wrapSource: countInto(counters),
    });
    // the engine stats builds (prepare-job.ts openJob), on the weights raster too (each worker opens it): its checks
    // of the spec and the CRSs, its warnings, and which features touch no raster (prepare: no pixel read)
    const weights = spec.stac ? undefined : await openWeightsRaster(spec, { allowed: opts.allowed, s3Client: opts.s3Client, wrapSource: countInto(counters) });
    const engine = spec.stac ? null : new ZonalEngine(rasters, layer.crs, zonalOptions(spec, weights, false));
    const attrs = includedColumns(layer, spec, engine ? engine.columns : (await import('../engine/timeseries')).timeseriesColumns(spec));
    const toLonLat = makeTransformer(layer.crs, crsFromEpsg(4326));
    const cut = spec.stac ? geographicTarget(layer.crs, crsFromEpsg(4326), toLonLat) : null;
    const points: PlanFeature[] = [];
    // per fid, its window on each raster's processing grid as the engine places it (null: not read there)
    const placed = new Map<number, (Window | null)[]>();
    // what stats counts for its warnings, as it reads the features
    const fields = new FieldsOf(attrs);
    const ids = new DuplicateIds();
    let nullFids = 0;
    let chunk: Feature[] = [];
    // a time series: its features (each batch's engine places them) and their search area, as Plan makes it
    const all: Feature[] = [];
    let area: BBox | null = null;
    const check = (): void => {
      fields.of(chunk);
      for (const f of chunk) {
        if (!missingId(f)) ids.add(f.id);
        if (f.fidText === null) nullFids++;
      }
      if (engine) {
        const prepared = engine.prepare(chunk);
        engine.account(chunk.map((f, i) => preparedRow(f, prepared.problems[i] ?? prepared.perRaster.map((p) => p.errors[i]).find((e): e is string => typeof e === 'string') ?? null)), prepared.touched);
        chunk.forEach((f, i) => placed.set(f.fid, workerWindows(prepared, i, engine.rasterCount)));
      }
      chunk = [];
    };
    for await (const f of layer.features({ columns: spec.input.include ?? [], ...(spec.input.idColumn === undefined ? {} : { idColumn: spec.input.idColumn }) })) {
      points.push(planPoint(f, toLonLat));
      if (spec.stac) {
        all.push(f);
        area = extendSearchArea(area, f.geometry, toLonLat, cut);
      }
      chunk.push(f);
      if (chunk.length >= CHECK_CHUNK) check();
    }
    if (chunk.length > 0) check();
    // two features with one fid: Plan refuses the layer (job-checks.ts), so the estimate does, with its line
    checkUniqueFids(layer, points.map((p) => p.fid));
    const plan = planBatches(points, { grid: spec.batching.grid, maxFeatures: spec.batching.maxFeatures });
    // Plan's check that Collect can merge the rows (one a feature) and parts (one a batch at least) within its 15
    // minutes, as Plan makes it (a time series': after its search, ./timeseries.ts): a job Plan refuses is not priced
    if (!spec.stac) checkCollectRows(points.length, 1, plan.batches.length);
    // a time series: Plan's search, then each batch's reads as its Worker's engine makes them (./timeseries.ts)
    const series = spec.stac ? await (await import('./timeseries')).timeseriesReads(spec, layer.crs, all, plan.batches, area, { allowed: opts.allowed, s3Client: opts.s3Client }) : null;
    if (series) notes.push(...series.notes);
    const warnings = [
      ...(engine ? [...engine.warnings, outsideWarning(engine.outsideFids.size, engine.featuresComputed, engine.crsNotes[0]?.features ?? layer.crs.name, await engine.outsideFacts())] : []),
      ...fields.warnings(spec.input.idColumn),
      ...(series ? series.warnings : []),
      nullFidWarning(nullFids),
      duplicateIdWarning(ids.report(), spec.input.idColumn),
    ].filter((w): w is string => w !== null);
    let rasterRequests = series ? series.requests : 0;
    let rasterBytes = series ? series.bytes : 0;
    let cells = series ? series.cells : 0;
    // each worker opens every raster: the header requests counted while opening them here
    const headerRequests = counters.reduce((a, c) => a + c.requests, 0);
    rasterRequests += headerRequests * plan.batches.length;
    const maxCells = spec.limits.maxCellsInMemory;
    // per batch, what its cold Worker's prefetch reads (ZonalEngine.readAhead: per engine raster, the job's then the
    // band-math outputs', its windows' tiles then the weights raster's, ZonalEngine.prefetchReads; a band-math output
    // fetches its sources' bands, prefetchSources), each tile once a batch: a tile the batch fetched already (a
    // band-math source's band read as the raster's, the weights' tiles for a second raster) is not fetched again
    if (engine) {
      for (const b of plan.batches) {
        const fetched = new Map<object, Set<number>>();
        const read = (reader: WindowReader, windows: Window[], bands: number[]): void => {
          const sources = reader.prefetchSources?.() ?? [{ raster: reader, bands }];
          for (const s of sources) {
            const r = s.raster as Partial<Raster>;
            if (typeof r.prefetchRanges !== 'function') continue;
            const done = fetched.get(s.raster) ?? new Set<number>();
            fetched.set(s.raster, done);
            const missing = r.prefetchRanges.call(s.raster, windows, { bands: s.bands }).filter((x) => !done.has(x.offset));
            for (const x of missing) done.add(x.offset);
            const merged = mergeRanges(missing);
            rasterRequests += merged.length;
            rasterBytes += merged.reduce((a, m) => a + m.length, 0);
          }
        };
        for (let k = 0; k < engine.rasterCount; k++) {
          const windows = b.fids.map((fid) => placed.get(fid)?.[k] ?? null);
          for (const p of engine.prefetchReads(k, windows)) read(p.raster, p.windows, p.bands);
          // the cells read (each band of the raster, each source band of a band-math output; not the weights raster's),
          // and windows over the memory bound, read chunk by chunk, each chunk's tiles in its own requests
          for (const w of windows) {
            if (w === null) continue;
            const values = engine.prefetchReads(k, [w], Infinity)[0];
            if (!values) continue;
            const sources = values.raster.prefetchSources?.() ?? [{ raster: values.raster, bands: values.bands }];
            cells += values.windows.reduce((a, x) => a + x.rows * x.cols, 0) * sources.reduce((a, s) => a + s.bands.length, 0);
            if (w.rows * w.cols <= maxCells) continue;
            for (const s of sources) {
              const r = s.raster as Partial<Raster>;
              if (typeof r.prefetchRanges !== 'function') continue;
              const ranges = mergeRanges(r.prefetchRanges.call(s.raster, values.windows, { bands: s.bands }));
              rasterRequests += ranges.length;
              rasterBytes += ranges.reduce((a, m) => a + m.length, 0);
            }
          }
        }
      }
    }
    const shape: JobShape = { features: points.length, batches: plan.batches.length, rasterRequests, rasterBytes, cells, formats: spec.output.formats, timeseries: spec.stac !== undefined };
    const estimate = estimateCost(shape, { ...DEFAULT_STACK, ...opts.stack }, opts.prices ?? loadPrices());
    return { shape, estimate, notes, warnings, ...(series ? { timeseries: series.facts } : {}) };
  } finally {
    layer.close();
    await Promise.all(counters.map((c) => c.close()));
  }
}


/** A feature's row as the engine accounts it before any pixel is read: computed unless `error` (its geometry, its reprojection). */
function preparedRow(f: EngineFeature, error: string | null): ResultRow {
  return { id: f.id, fid: f.fid, values: [], error };
}

/**
 * Feature `i`'s windows on the first `rasters` rasters of a prepared chunk, as a Worker reads them (zonal.ts measure):
 * none once the feature has failed (its geometry; its reprojection into this raster's CRS or an earlier one's).
 */
function workerWindows(prepared: PreparedChunk, i: number, rasters: number): (Window | null)[] {
  const out: (Window | null)[] = [];
  let failed = (prepared.problems[i] ?? null) !== null;
  for (let k = 0; k < rasters; k++) {
    const p = prepared.perRaster[k];
    if ((p?.errors[i] ?? null) !== null) failed = true;
    out.push(failed ? null : (p?.windows[i] ?? null));
  }
  return out;
}
