/**
 * The zonal engine: statistics of a chunk of features over opened rasters.
 * `zonalflow stats`, the Lambda worker and `zonalflow local` all call
 * `computeChunk`; only where features come from and where rows go differ.
 *
 * Per raster: reproject the chunk's geometries into the raster CRS, prefetch
 * every tile the chunk needs in merged range requests (each tile once), then
 * per feature: coverage weights over its window (subdivided when larger than
 * `maxCellsInMemory`), the band values of that window, one accumulator per band.
 */
import type { Geometry } from '../geometry/types';
import type { Window } from '../raster/grid';
import { coverage, geometryWindow, subdivideWindow } from '../coverage/coverage';
import type { CoverageMode } from '../coverage/coverage';
import { StatsAccumulator } from '../stats/accumulator';
import type { StatName, StatValue } from '../stats/accumulator';
import { transformGeometry } from '../geometry/transform';
import { forEachPosition } from '../geometry/bbox';
import { geometryProblem } from '../geometry/validate';
import { isGeographic, makeTransformer } from '../crs/transform';
import { crossesAntimeridian, unwrapLongitudes, withShiftedCopy } from '../geometry/antimeridian';
import type { Crs } from '../crs/crs';
import { SourceError, ZonalflowError } from '../errors';
import { retryableStatus } from '../io/retry';
import type { ResultRow, StatColumn, CellValue } from '../output/table';
import type { ZonalRaster } from './rasters';
import { statColumns, bandPrefix } from './columns';

/** A feature as the engine sees it; `problem` is a reason found earlier (e.g. by Plan) why it cannot be computed. */
export interface EngineFeature { fid: number; id: string; geometry: Geometry | null; problem?: string | undefined }

/** What to compute. */
export interface ZonalOptions {
  stats: readonly StatName[];
  coverage: CoverageMode;
  histogram?: { bins: number; range?: [number, number] | undefined } | undefined;
  /** Cells of one feature held in memory at once; larger windows are processed in chunks. */
  maxCellsInMemory: number;
  /** Keep each feature's geometry (input CRS) on its row, for outputs that ask for it. */
  keepGeometry?: boolean;
}

/** Time spent per phase (ms), summed over calls, for benchmarks and summaries. */
export interface ZonalTimings { prefetch: number; coverage: number; read: number; stats: number; reproject: number; cells: number }

/** The engine's state for one job: rasters, options, transformers per raster, timings. */
export class ZonalEngine {
  readonly columns: StatColumn[];
  readonly timings: ZonalTimings = { prefetch: 0, coverage: 0, read: 0, stats: 0, reproject: 0, cells: 0 };
  private readonly transformers = new Map<ZonalRaster, ((x: number, y: number) => [number, number]) | null>();
  private readonly featuresGeographic: boolean;

  constructor(
    readonly rasters: readonly ZonalRaster[],
    readonly featureCrs: Crs,
    readonly options: ZonalOptions,
  ) {
    this.columns = statColumns(rasters, options.stats);
    this.featuresGeographic = isGeographic(featureCrs);
    for (const r of rasters) this.transformers.set(r, makeTransformer(featureCrs, r.crs));
  }

  /** Statistics of a chunk of features: one row per feature, in input order. Per-feature problems land in `error`. */
  async computeChunk(features: readonly EngineFeature[], signal?: AbortSignal): Promise<ResultRow[]> {
    const rows: ResultRow[] = features.map((f) => ({
      id: f.id,
      fid: f.fid,
      values: new Array<CellValue>(this.columns.length).fill(null),
      error: null,
      ...(this.options.keepGeometry ? { geometry: f.geometry } : {}),
    }));
    // Geometry checks once per feature, before any raster.
    const problems = features.map((f) => featureProblem(f));
    problems.forEach((p, i) => {
      const row = rows[i];
      if (p !== null && row) row.error = p;
    });
    let column = 0;
    for (const raster of this.rasters) {
      const width = raster.bands.length * this.options.stats.length;
      await this.computeRaster(raster, features, rows, column, signal);
      column += width;
    }
    return rows;
  }

  private async computeRaster(raster: ZonalRaster, features: readonly EngineFeature[], rows: ResultRow[], column0: number, signal?: AbortSignal): Promise<void> {
    const grid = raster.raster.info.grid;
    const transform = this.transformers.get(raster) ?? null;
    const maxCells = this.options.maxCellsInMemory;
    // 1. reproject and find each feature's window.
    const tr = performance.now();
    const local: (Geometry | null)[] = [];
    const windows: (Window | null)[] = [];
    for (let i = 0; i < features.length; i++) {
      const f = features[i];
      const row = rows[i];
      if (!f || !row || row.error !== null || f.geometry === null) {
        local.push(null);
        windows.push(null);
        continue;
      }
      try {
        let source = f.geometry;
        if (this.featuresGeographic && crossesAntimeridian(source)) {
          source = unwrapLongitudes(source);
          // on a lon/lat raster the part beyond +180 is read from the other side
          if (isGeographic(raster.crs)) source = withShiftedCopy(source, -360);
        }
        const g = transform ? transformGeometry(source, transform) : source;
        const problem = coordinatesProblem(g);
        if (problem !== null) throw new ZonalflowError('CRS_TRANSFORM_FAILED', `cannot reproject into the CRS of ${raster.name}: ${problem}`);
        local.push(g);
        windows.push(geometryWindow(g, grid));
      } catch (err) {
        row.error = featureError(f, err);
        local.push(null);
        windows.push(null);
      }
    }
    this.timings.reproject += performance.now() - tr;
    // 2. prefetch the tiles of every window that fits in memory (huge windows are read chunk by chunk).
    const t0 = performance.now();
    const small = windows.filter((w): w is Window => w !== null && w.rows * w.cols <= maxCells);
    try {
      if (small.length > 0) await raster.raster.prefetch(small, { bands: raster.bands, signal });
    } catch (err) {
      // a tile that cannot be read fails only the features that need it: each feature's own read
      // below fetches its tiles again and gets the error; anything else (network, throttling) sinks the chunk
      if (!isDataLevel(err)) throw err;
    }
    this.timings.prefetch += performance.now() - t0;
    // 3. per feature: coverage, values, statistics.
    for (let i = 0; i < features.length; i++) {
      const row = rows[i];
      const f = features[i];
      if (!row || !f) continue;
      if (row.error !== null) continue;
      const accs = raster.bands.map(() => new StatsAccumulator({ stats: this.options.stats, semantics: this.options.coverage === 'exact' ? 'exact' : 'unweighted', histogram: this.options.histogram }));
      const g = local[i] ?? null;
      const w = windows[i] ?? null;
      if (g !== null && w !== null) {
        try {
          const chunks = w.rows * w.cols <= maxCells ? [w] : subdivideWindow(w, maxCells);
          for (const chunk of chunks) {
            let t = performance.now();
            const cov = coverage(g, grid, this.options.coverage, chunk);
            this.timings.coverage += performance.now() - t;
            if (cov === null) continue;
            t = performance.now();
            const bands = await raster.raster.readWindow(cov.window, raster.bands, { nodata: raster.nodata, signal });
            this.timings.read += performance.now() - t;
            this.timings.cells += cov.weights.length;
            t = performance.now();
            bands.forEach((bw, k) => accs[k]?.addWindow(bw.values, bw.valid, cov.weights));
            this.timings.stats += performance.now() - t;
          }
        } catch (err) {
          if (!isFeatureLevel(err)) throw err;
          row.error = featureError(f, err);
          continue;
        }
      }
      const t = performance.now();
      let c = column0;
      accs.forEach((acc) => {
        const result = acc.result();
        for (const s of this.options.stats) row.values[c++] = toCell(result[s]);
      });
      this.timings.stats += performance.now() - t;
    }
  }

  /** The column prefix of one band (for messages and tests). */
  prefix(raster: ZonalRaster, band: number): string {
    return bandPrefix(raster, band);
  }
}

/** A statistic as a table cell (NaN -> null, histograms copied). */
export function toCell(v: StatValue | undefined): CellValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  return { bins: [...v.bins], counts: [...v.counts] };
}

/**
 * Errors that belong to the features that met them: their geometry, reprojection or size, or the data
 * they need (a tile that cannot be decoded, a truncated file, an object that is missing or forbidden).
 * Anything else — network failures and throttling after the source's own retries, aborts — sinks the
 * chunk, so that the batch is retried as a whole.
 */
function isFeatureLevel(err: unknown): boolean {
  return (err instanceof ZonalflowError && ['GEOMETRY_INVALID', 'CRS_UNRESOLVED', 'CRS_TRANSFORM_FAILED', 'LIMIT_EXCEEDED'].includes(err.code)) || isDataLevel(err);
}

/** A raster's data cannot be read where a feature needs it (not transient): the feature fails with the reason. */
function isDataLevel(err: unknown): boolean {
  if (err instanceof SourceError) return err.status !== undefined && !retryableStatus(err.status);
  return err instanceof ZonalflowError && ['TILE_INVALID', 'RASTER_INVALID'].includes(err.code);
}

/** `CODE: message` naming the feature. */
export function featureError(f: Pick<EngineFeature, 'id' | 'fid'>, err: unknown): string {
  const code = err instanceof ZonalflowError ? err.code : 'FEATURE_FAILED';
  const message = err instanceof Error ? err.message : String(err);
  return `${code}: feature ${JSON.stringify(f.id)} (fid ${f.fid}): ${message}`;
}

/** A feature that cannot be computed at all (`CODE: feature ... : reason`): empty geometry or invalid coordinates. */
export function featureProblem(f: EngineFeature): string | null {
  if (f.problem !== undefined) return `GEOMETRY_INVALID: feature ${JSON.stringify(f.id)} (fid ${f.fid}): ${f.problem}`;
  if (f.geometry === null) return `GEOMETRY_EMPTY: feature ${JSON.stringify(f.id)} (fid ${f.fid}): empty or missing geometry`;
  const p = geometryProblem(f.geometry);
  return p === null ? null : `GEOMETRY_INVALID: feature ${JSON.stringify(f.id)} (fid ${f.fid}): ${p}`;
}

/** After reprojection: a non-finite coordinate means the feature lies outside the target projection's domain. */
function coordinatesProblem(g: Geometry): string | null {
  let bad: string | null = null;
  forEachPosition(g, (p) => {
    if (bad === null && (!Number.isFinite(p[0]) || !Number.isFinite(p[1]))) bad = `coordinate (${String(p[0])}, ${String(p[1])}) is outside the projection's domain`;
  });
  return bad;
}
