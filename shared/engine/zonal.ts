/**
 * The zonal engine: statistics of a chunk of features over opened rasters.
 * `zonalflow stats`, the Lambda worker and `zonalflow local` all call
 * `computeChunk`; only where features come from and where rows go differ.
 *
 * Per raster: reproject the chunk's geometries into the raster CRS, prefetch
 * every tile the chunk needs in merged range requests (each tile once), then
 * per feature: coverage weights over its window (subdivided when larger than
 * `maxCellsInMemory`), the band values of that window, one accumulator per band.
 * exactextract's options sit between coverage and statistics (cells.ts:
 * coverage weight, minimum coverage, default value and weight, per-cell
 * lists); a weights raster on a compatible grid makes the finer of the two
 * grids the one coverage is computed on (grid-mapping.ts).
 */
import type { BBox, Geometry } from '../geometry/types';
import type { RasterGrid, Window } from '../raster/grid';
import { coverage, coverageEncoded, coverageProblem, geometryWindow, subdivideWindow } from '../coverage/coverage';
import { EncodedRings } from '../geometry/encoded-rings';
import { CoverageScratch } from '../coverage/coverage.exact';
import type { CoverageMode } from '../coverage/coverage';
import { StatsAccumulator } from '../stats/accumulator';
import type { StatName, StatValue } from '../stats/accumulator';
import { transformGeometry } from '../geometry/transform';
import { firstNonFinite, forEachPosition, geometryBBox, unionBBox } from '../geometry/bbox';
import { geometryProblem } from '../geometry/validate';
import { crsDisplayName, crsEquivalent, geographicTarget, isGeographic, makeBatchTransformer, makeTransformer } from '../crs/transform';
import type { BatchTransform } from '../crs/proj';
import { describeTransformation } from '../crs/operation';
import type { JobTransform } from '../crs/job-transform';
import { crossesAntimeridian, splitAntimeridian, withShiftedCopy } from '../geometry/antimeridian';
import { cutAtAntimeridian } from '../geometry/geographic-cut';
import type { GeographicTarget } from '../geometry/geographic-cut';
import type { Crs } from '../crs/crs';
import { crsFromEpsg } from '../crs/epsg';
import { permanentFailure } from '../io/retry';
import type { ResultRow, StatColumn, CellValue } from '../output/table';
import type { ZonalRaster } from './rasters';
import type { EncodedGeometries } from './parallel-pack';
import { statColumns, bandPrefix } from './columns';
import { bandMathRasters } from './band-math';
import type { EngineRaster, WindowReader } from './band-math';
import { CellLists, cellWeights, fillDefault, float32Threshold } from './cells';
import type { CellListName, CellPositionName, CoverageWeight } from './cells';
import { isIdentity, planGrids, sourceWindow, spread } from './grid-mapping';
import type { GridPlan } from './grid-mapping';
import { CELL_LIST_STATS, POSITION_STATS, WEIGHTED_STATS } from '../stats/names';
import { LimitError, RasterError, SourceError, SpecError, ZonalflowError } from '../errors';
import { OutsideTally } from './outside-extent';
import type { OutsideFacts } from './outside-facts';
import { LIMIT_DEFAULTS } from '../limits';

/** A feature as the engine sees it; `problem` is a reason found earlier (e.g. by Plan) why it cannot be computed. */
export interface EngineFeature { fid: number; fidText?: string | null | undefined; id: string; idNull?: boolean | undefined; geometry: Geometry | null; problem?: string | undefined }

/** What to compute. */
export interface ZonalOptions {
  stats: readonly StatName[];
  coverage: CoverageMode;
  histogram?: { bins: number; range?: [number, number] | undefined } | undefined;
  /** Cells of one feature held in memory at once; larger windows are processed in chunks. */
  maxCellsInMemory: number;
  /** Cells one feature's window may hold on one raster (clipped to it); a larger feature fails with LIMIT_EXCEEDED (default 2^28). */
  maxCellsPerFeature?: number;
  /** Keep each feature's geometry (input CRS) on its row, for outputs that ask for it. */
  keepGeometry?: boolean;
  /** exactextract's `coverage_weight` (default `fraction`; others need coverage `exact`). */
  coverageWeight?: CoverageWeight | undefined;
  /** exactextract's `min_coverage_frac`: cells covered less are left out (default 0). */
  minCoverageFrac?: number | undefined;
  /** exactextract's `default_value`: the value of nodata cells inside the raster. */
  defaultValue?: number | undefined;
  /** exactextract's `default_weight`: the weight of cells where the weights raster is nodata (or absent). */
  defaultWeight?: number | undefined;
  /** The weights raster (its first listed band), for the `weighted_*` statistics and the `weights` list. */
  weights?: ZonalRaster | undefined;
  /** Band math: output name -> expression over the rasters' names (band-math.ts); computed after the rasters. */
  bandMath?: Readonly<Record<string, string>> | undefined;
}

/**
 * A chunk after the main thread's part (geometry checks, reprojection into each raster's CRS, windows):
 * what {@link ZonalEngine.measure} needs, and all a worker thread receives (structured-cloneable, no PROJ).
 * Per raster (the rasters, then the band-math outputs), per feature: the geometry in the raster's CRS
 * and its window on the processing grid, or the reason it cannot be reprojected.
 */
export interface PreparedChunk {
  /** Per feature: why it cannot be computed at all (`CODE: feature ...: reason`), or null. */
  problems: (string | null)[];
  perRaster: {
    local: (Geometry | null)[];
    windows: (Window | null)[];
    errors: (string | null)[];
    /**
     * The geometries as a worker thread gets them (parallel-pack.ts): when given, {@link ZonalEngine.measure}
     * reads them from here, not decoded into `local` (then empty).
     */
    encoded?: EncodedGeometries | undefined;
  }[];
  /** Per feature: its window meets some raster (features touching none are counted for the CRS warning). */
  touched: boolean[];
}

/** The features `from`..`to` (exclusive) of a prepared chunk, as `prepare` would give them for those features alone. */
export function slicePrepared(p: PreparedChunk, from: number, to: number): PreparedChunk {
  return {
    problems: p.problems.slice(from, to),
    perRaster: p.perRaster.map((r) => ({
      local: r.local.slice(from, to),
      windows: r.windows.slice(from, to),
      errors: r.errors.slice(from, to),
      ...(r.encoded ? { encoded: { data: r.encoded.data, starts: r.encoded.starts.subarray(from, to) } } : {}),
    })),
    touched: p.touched.slice(from, to),
  };
}

/** Time spent per phase (ms), summed over calls, for benchmarks and summaries. */
export interface ZonalTimings { prefetch: number; coverage: number; read: number; stats: number; reproject: number; cells: number }

/** What the engine did with CRSs for one raster (for the job summary). */
export interface CrsNote {
  raster: string;
  /** The features' CRS (PROJ's name). */
  features: string;
  /** The raster's CRS (PROJ's name). */
  crs: string;
  /**
   * The coordinate operation PROJ applies ("none" for equivalent CRSs, "taken as the raster's CRS" for an undefined
   * one), named where the features lie once the engine has seen them ({@link ZonalEngine.placeCrsNotes}), at the
   * raster's centre before.
   */
  transformation: string;
}

/** The engine's state for one job: rasters, options, transformers per raster, timings. */
export class ZonalEngine {
  readonly columns: StatColumn[];
  readonly timings: ZonalTimings = { prefetch: 0, coverage: 0, read: 0, stats: 0, reproject: 0, cells: 0 };
  private readonly transformers = new Map<EngineRaster, ((x: number, y: number) => [number, number]) | null>();
  /** Per raster: PROJ's transformer of many points at once (null: same CRS). */
  private readonly batches = new Map<EngineRaster, BatchTransform | null>();
  /** The rasters, then the band-math outputs. */
  private readonly all: readonly EngineRaster[];
  private readonly featuresGeographic: boolean;
  /**
   * Per raster in lon/lat whose features are in another, non-lon/lat CRS (projected): how their geometries are cut
   * at the antimeridian and closed over a pole once transformed (geographic-cut.ts, as ogr2ogr does).
   */
  private readonly cuts = new Map<EngineRaster, GeographicTarget>();
  /** Per raster: the CRSs and the operation between them. */
  readonly crsNotes: CrsNote[] = [];
  /** Whether the notes name the operation where the features lie (placeCrsNotes), not at the rasters' centres. */
  private crsNotesPlaced = false;
  /** Per raster name: what chooseTransforms added to its note (which engine runs the transform). */
  private readonly choiceNotes = new Map<string, string>();
  /** Job-level warnings (an undefined CRS). */
  readonly warnings: string[] = [];
  /** fids of computed features that touch no raster at all (a CRS that may be wrong). */
  readonly outsideFids = new Set<number>();
  /** Features computed without error so far (the denominator of `outsideFids`). */
  featuresComputed = 0;
  /**
   * Where the features outside every raster lie, tallied as chunks are prepared (outside-extent.ts; null in an
   * engine that only measures): the CRS warning's extents and evidence ({@link outsideFacts}).
   */
  readonly outside: OutsideTally | null = null;
  private readonly maxCellsPerFeature: number;

  /**
   * `mode` "measure": an engine that only measures chunks prepared elsewhere ({@link measure}), as a worker
   * thread hosts it: it never reprojects nor checks CRSs, so PROJ is never loaded (the main thread's engine,
   * built on the same rasters and options, has checked them).
   */
  constructor(
    readonly rasters: readonly ZonalRaster[],
    readonly featureCrs: Crs,
    readonly options: ZonalOptions,
    mode: 'full' | 'measure' = 'full',
  ) {
    const full = mode === 'full';
    this.all = [...rasters, ...bandMathRasters(rasters, options.bandMath ?? {}, { checkCrs: full })];
    this.columns = statColumns(this.all, options.stats);
    this.maxCellsPerFeature = options.maxCellsPerFeature ?? LIMIT_DEFAULTS.maxCellsPerFeature;
    this.cellLists = new Set(options.stats.filter((s) => CELL_LIST_STATS.has(s) || POSITION_STATS.has(s)));
    const wr = options.weights;
    if (!full) {
      this.featuresGeographic = false;
      for (const r of this.all) this.plans.set(r, planGrids(r.raster.info.grid, wr ? wr.raster.info.grid : null, { values: r.uri, weights: wr?.uri ?? '' }));
      return;
    }
    this.featuresGeographic = isGeographic(featureCrs);
    for (const r of rasters) {
      const t = makeTransformer(featureCrs, r.crs);
      this.transformers.set(r, t);
      this.crsNotes.push({
        raster: r.name,
        features: crsDisplayName(featureCrs),
        crs: crsDisplayName(r.crs),
        transformation: featureCrs.undefinedCrs
          ? r.crs.undefinedCrs ? 'none: neither the features nor the raster have a CRS, coordinates are taken as they are' : 'none: the features have no CRS, their coordinates are taken as the raster\'s'
          : r.crs.undefinedCrs ? 'none: the raster has no CRS, its coordinates are taken as the features\'' : t === null ? 'none (same CRS)' : transformationAt(featureCrs, r.crs, rasterCentre(r)),
      });
    }
    // data without a CRS is taken as being in the CRS of the other side, as exactextract and rasterstats (which ignore CRSs) compute: one line for each case
    const withCrs = rasters.filter((r) => !r.crs.undefinedCrs);
    const withoutCrs = rasters.filter((r) => r.crs.undefinedCrs);
    const named = (rs: readonly ZonalRaster[]): string => rs.map((r) => r.name).join(', ');
    if (featureCrs.undefinedCrs && withCrs.length > 0) {
      this.warnings.push(`the layer has no CRS (${featureCrs.name}): its coordinates are taken as being in the CRS of ${withCrs.map((r) => `${r.name} (${crsDisplayName(r.crs)})`).join(', ')}`);
    }
    if (withoutCrs.length > 0) {
      const several = withoutCrs.length > 1;
      const rasters = `the raster${several ? 's' : ''} ${named(withoutCrs)}`;
      const assign = 'no GeoKeys; assign one with gdal_edit.py -a_srs EPSG:XXXX';
      this.warnings.push(featureCrs.undefinedCrs
        ? `neither the layer (${featureCrs.name}) nor ${rasters} (${assign}) ${several ? 'have' : 'has'} a CRS: coordinates are taken as they are, as if in one CRS`
        : `${rasters} ${several ? 'have' : 'has'} no CRS (${assign}): ${several ? 'their' : 'its'} coordinates are taken as being in the layer's CRS, ${crsDisplayName(featureCrs)}`);
    }
    // band-math outputs read their rasters' grid and CRS
    for (const r of this.all) if (!this.transformers.has(r)) this.transformers.set(r, makeTransformer(featureCrs, r.crs));
    for (const r of this.all) this.batches.set(r, this.transformers.get(r) ? makeBatchTransformer(featureCrs, r.crs) : null);
    // a projected layer into a lon/lat raster: rings crossing ±180 or enclosing a pole once transformed are cut as ogr2ogr cuts them
    for (const r of this.all) {
      const cut = this.featuresGeographic ? null : geographicTarget(featureCrs, r.crs, this.transformers.get(r) ?? null);
      if (cut) this.cuts.set(r, cut);
    }
    // each raster in the CRS its coordinates are taken in (a raster without one: the layer's, above), for the extents and areas of use the outside warning gives
    this.outside = new OutsideTally(rasters.map((r) => ({ name: r.name, crs: r.crs.undefinedCrs && !featureCrs.undefinedCrs ? featureCrs : r.crs, grid: r.raster.info.grid })), featureCrs);
    checkZonalOptions(options);
    for (const r of this.all) {
      if (wr !== undefined && !crsEquivalent(wr.crs, r.crs)) throw new RasterError(`the weights raster ${wr.uri} is not in the CRS of ${r.uri}: give it on the same grid (gdalwarp)`);
      if (options.coverageWeight?.startsWith('area_spherical') && !isGeographic(r.crs)) {
        throw new SpecError(`coverageWeight "${options.coverageWeight}" applies to lon/lat rasters; ${r.uri} is projected (use "area_cartesian" for areas in its units)`);
      }
      this.plans.set(r, planGrids(r.raster.info.grid, wr ? wr.raster.info.grid : null, { values: r.uri, weights: wr?.uri ?? '' }));
    }
  }

  /**
   * Replaces each raster's transformer of many points (not those of equivalent CRSs) by the one `choose`
   * gives for the raster's CRS (crs/job-transform.ts chooseJobTransform: proj4js where it matches PROJ, else
   * PROJ's), and says which in the raster's CRS note. True when at least one still runs in PROJ.
   */
  chooseTransforms(choose: (to: Crs) => JobTransform): boolean {
    const chosen = new Map<string, JobTransform>();
    let proj = false;
    for (const r of this.all) {
      if (!this.batches.get(r)) continue;
      let c = chosen.get(r.crs.def);
      if (c === undefined) {
        c = choose(r.crs);
        chosen.set(r.crs.def, c);
      }
      this.batches.set(r, c.transform);
      if (c.engine === 'PROJ') proj = true;
      const note = this.crsNotes.find((n) => n.raster === r.name);
      if (note && c.note !== '' && !note.transformation.endsWith(c.note)) {
        note.transformation += c.note;
        this.choiceNotes.set(r.name, c.note);
      }
    }
    return proj;
  }

  /**
   * Names each raster's operation where the features lie: at the centre of `box` (the features' extent, in
   * their CRS) in longitude/latitude, as PROJ picks its operation per point (operation.ts). Once per engine:
   * with the sample of the whole layer (job-transforms.ts) or, without one, the first chunk prepared.
   */
  placeCrsNotes(box: BBox | null): void {
    if (this.crsNotesPlaced) return;
    this.crsNotesPlaced = true;
    if (this.featureCrs.undefinedCrs || box === null) return;
    let at: [number, number] | null = null;
    try {
      const toLonLat = makeTransformer(this.featureCrs, crsFromEpsg(4326));
      const cx = (box.xmin + box.xmax) / 2;
      const cy = (box.ymin + box.ymax) / 2;
      at = toLonLat ? toLonLat(cx, cy) : [cx, cy];
    } catch {
      return; // the notes keep naming the operation at the rasters' centres
    }
    if (!Number.isFinite(at[0]) || !Number.isFinite(at[1])) return;
    for (const r of this.rasters) {
      const note = this.crsNotes.find((n) => n.raster === r.name);
      if (!note || !this.transformers.get(r)) continue;
      note.transformation = transformationAt(this.featureCrs, r.crs, at) + (this.choiceNotes.get(r.name) ?? '');
    }
  }

  private readonly cellLists: ReadonlySet<string>;
  private readonly plans = new Map<EngineRaster, GridPlan>();

  /** The weights raster's values over a processing-grid window: NaN where it is nodata or absent (unless defaultWeight). */
  private async readWeights(plan: GridPlan, w: Window, signal?: AbortSignal): Promise<Float64Array> {
    const wr = this.options.weights;
    if (!wr || !plan.weights) throw new SpecError('no weights raster');
    const src = sourceWindow(w, plan.weights);
    const [bw] = await wr.raster.readWindow(src, [wr.bands[0] ?? 1], { nodata: wr.nodata, signal });
    if (!bw) throw new RasterError(`${wr.uri}: no band read`);
    const { values, valid } = spread(bw, w, plan.weights);
    const dw = this.options.defaultWeight ?? NaN;
    const out = new Float64Array(values.length);
    for (let i = 0; i < out.length; i++) out[i] = valid[i] === 1 && values[i] === values[i] ? (values[i] as number) : dw;
    return out;
  }

  /**
   * Statistics of a chunk of features: one row per feature, in input order. Per-feature problems land in `error`.
   * `prepared`: the chunk as {@link prepare} gives it, when the caller prepared it already (a Worker's batch read
   * ahead, slicePrepared); default: prepared here.
   */
  async computeChunk(features: readonly EngineFeature[], signal?: AbortSignal, prepared: PreparedChunk = this.prepare(features)): Promise<ResultRow[]> {
    const rows = await this.measure(features, prepared, signal);
    this.account(rows, prepared.touched, features);
    return rows;
  }

  /**
   * Reads ahead the tiles of prepared features that {@link measure} will compute later, in chunks: every tile of
   * every raster (and of the weights raster) in one round of merged range requests, where each chunk's own
   * prefetch would make one round per chunk (a Worker's batch of 2,000 features in chunks of 100, 400 and 1,500:
   * 379 requests on the 100k case, 301-304 with the batch read ahead). The chunks then find their tiles fetched (the
   * raster's compressed-tile cache, bounded by `cacheBytes`) and decode them as they go. A tile that cannot be
   * read is remembered by its raster and fails the features that need it, as in a chunk; a failure of the source
   * (network, throttling) throws.
   */
  async readAhead(prepared: PreparedChunk, signal?: AbortSignal): Promise<void> {
    // a feature's first failure (its geometry, then raster by raster) keeps it from the later rasters' reads, as in measure
    const failed = prepared.problems.map((p) => p !== null);
    for (const [k, raster] of this.all.entries()) {
      const p = prepared.perRaster[k];
      if (!p) throw new SpecError(`prepared chunk has no raster ${k}`);
      p.errors.forEach((e, i) => {
        if (e !== null) failed[i] = true;
      });
      const windows: (Window | null)[] = [];
      for (let i = 0; i < p.windows.length; i++) windows.push(failed[i] ? null : (p.windows[i] ?? null));
      await this.prefetchWindows(raster, windows, { decode: false, signal });
    }
  }

  /** The rasters the engine reads, in its order: the job's, then the band-math outputs' (their sources' windows; band-math.ts). */
  get rasterCount(): number {
    return this.all.length;
  }

  /**
   * What {@link prefetchWindows} fetches for these windows (on the processing grid) of raster `k` of the engine's
   * (see {@link rasterCount}): the windows that fit in `maxCells` (default `maxCellsInMemory`; larger ones are read chunk
   * by chunk), as source windows of the raster with its bands, then of the weights raster with its band, when the job
   * has one. `zonalflow estimate` counts a Worker's prefetch from it (the same reads, never made there).
   */
  prefetchReads(k: number, windows: readonly (Window | null)[], maxCells = this.options.maxCellsInMemory): { raster: WindowReader; windows: Window[]; bands: number[] }[] {
    const raster = this.all[k];
    if (!raster) throw new SpecError(`the engine has no raster ${k}`);
    const plan = this.plans.get(raster) ?? planGrids(raster.raster.info.grid, null, { values: raster.uri, weights: '' });
    const small: Window[] = [];
    for (const w of windows) if (w !== null && w.rows * w.cols <= maxCells) small.push(w);
    if (small.length === 0) return [];
    const source: Window[] = [];
    for (const w of small) source.push(sourceWindow(w, plan.values));
    const reads: { raster: WindowReader; windows: Window[]; bands: number[] }[] = [{ raster: raster.raster, windows: source, bands: raster.bands }];
    const wr = this.options.weights;
    const pw = plan.weights;
    if (wr && pw) reads.push({ raster: wr.raster, windows: small.map((w) => sourceWindow(w, pw)), bands: [wr.bands[0] ?? 1] });
    return reads;
  }

  /** Fetches the tiles of the windows that fit in memory (`maxCellsInMemory`), of the raster and of the weights raster ({@link prefetchReads}); `decode`: starts inflating the raster's. */
  private async prefetchWindows(raster: EngineRaster, windows: readonly (Window | null)[], opts: { decode: boolean; signal?: AbortSignal | undefined }): Promise<void> {
    const signal = opts.signal;
    const t0 = performance.now();
    try {
      const [values, weights] = this.prefetchReads(this.all.indexOf(raster), windows);
      if (values) {
        await values.raster.prefetch(values.windows, { bands: values.bands, signal });
        if (opts.decode) values.raster.decodeAhead?.(values.windows, { bands: values.bands });
      }
      if (weights) await weights.raster.prefetch(weights.windows, { bands: weights.bands, signal });
    } catch (err) {
      // a tile that cannot be read fails only the features that need it: the raster remembers it (cog.ts
      // `broken`), so each feature's own read meets its error at once; anything else (network, throttling) sinks the chunk
      if (!isDataLevel(err)) throw err;
    }
    this.timings.prefetch += performance.now() - t0;
  }

  /**
   * The main thread's part of a chunk: geometry checks, then per raster the geometries in its CRS and
   * their windows (PROJ). Pure CPU; the result goes to {@link measure} here or on a worker thread.
   */
  prepare(features: readonly EngineFeature[]): PreparedChunk {
    if (!this.crsNotesPlaced && this.outside) this.placeCrsNotes(featuresBox(features));
    const problems = features.map((f) => featureProblem(f, this.options.coverage));
    const touched = new Array<boolean>(features.length).fill(false);
    const perRaster = this.all.map((raster) => this.project(raster, features, problems, touched));
    const outside = this.outside;
    if (outside) {
      for (let i = 0; i < features.length; i++) {
        const g = features[i]?.geometry;
        if (problems[i] !== null || !g || perRaster.some((p) => p.errors[i] !== null)) continue;
        outside.consider(1);
        if (touched[i]) continue;
        outside.add(g, perRaster.map((p) => {
          const local = p.local[i];
          return local ? geometryBBox(local) : null;
        }));
      }
    }
    return { problems, perRaster, touched };
  }

  /**
   * What the features prepared so far that touch no raster say about the layer's CRS, per raster (outside-extent.ts),
   * when the job will warn of them (half or more of them outside: PROJ is then loaded if it is not); none otherwise,
   * and none in an engine that only measures.
   */
  async outsideFacts(): Promise<OutsideFacts[]> {
    return this.outside?.warns() ? this.outside.facts() : [];
  }

  /**
   * Statistics of a prepared chunk: one row per feature, in input order (rows hold no geometry). A
   * feature's first failure, in raster order, lands in its `error` (reprojection or reading), as if each
   * raster were reprojected and measured in turn. Needs no PROJ.
   */
  async measure(features: readonly Pick<EngineFeature, 'fid' | 'fidText' | 'id'>[], prepared: PreparedChunk, signal?: AbortSignal): Promise<ResultRow[]> {
    const rows: ResultRow[] = features.map((f, i) => ({
      id: f.id,
      fid: f.fid,
      ...(f.fidText !== undefined ? { fidText: f.fidText } : {}),
      values: new Array<CellValue>(this.columns.length).fill(null),
      error: prepared.problems[i] ?? null,
    }));
    let column = 0;
    for (const [k, raster] of this.all.entries()) {
      const width = raster.bands.length * this.options.stats.length;
      const p = prepared.perRaster[k];
      if (!p) throw new SpecError(`prepared chunk has no raster ${k}`);
      if (p.encoded && p.encoded.starts.length !== features.length) throw new SpecError(`prepared chunk: ${p.encoded.starts.length} encoded geometries for ${features.length} features on raster ${k}`);
      p.errors.forEach((e, i) => {
        const row = rows[i];
        if (e !== null && row && row.error === null) row.error = e;
      });
      await this.computeRaster(raster, features, rows, column, p.local, p.windows, p.encoded, signal);
      column += width;
    }
    return rows;
  }

  /** Counts computed rows and those that touched no raster (the CRS warning), and adds geometries when asked; after {@link measure}. */
  account(rows: readonly ResultRow[], touched: readonly boolean[], features?: readonly EngineFeature[]): void {
    rows.forEach((row, i) => {
      if (features && this.options.keepGeometry) row.geometry = features[i]?.geometry ?? null;
      if (row.error !== null) return;
      this.featuresComputed++;
      if (!touched[i]) this.outsideFids.add(row.fid);
    });
  }

  /** Step 1 for one raster: each feature's geometry in its CRS and its window (a feature with a problem is skipped). */
  private project(raster: EngineRaster, features: readonly EngineFeature[], problems: readonly (string | null)[], touched: boolean[]): PreparedChunk['perRaster'][number] {
    const grid = (this.plans.get(raster) ?? planGrids(raster.raster.info.grid, null, { values: raster.uri, weights: '' })).grid;
    const batch = this.batches.get(raster) ?? null;
    const tr = performance.now();
    const local: (Geometry | null)[] = [];
    const windows: (Window | null)[] = [];
    const errors: (string | null)[] = new Array<string | null>(features.length).fill(null);
    // the geometries to reproject, split at the antimeridian when they cross it
    const sources: (Geometry | null)[] = new Array<Geometry | null>(features.length).fill(null);
    let positions = 0;
    for (let i = 0; i < features.length; i++) {
      const f = features[i];
      if (!f || problems[i] !== null || f.geometry === null) continue;
      try {
        let source = f.geometry;
        if (this.featuresGeographic && crossesAntimeridian(source)) {
          // split at ±180 so that each part projects on its own side (never a strip around the world);
          // on a lon/lat raster laid out over 0..360 the western part is read shifted by +360
          source = splitAntimeridian(source);
          if (isGeographic(raster.crs)) source = withShiftedCopy(source, 360);
        }
        sources[i] = source;
        if (batch) forEachPosition(source, () => positions++);
      } catch (err) {
        errors[i] = featureError(f, err);
      }
    }
    // every position of the chunk through PROJ in one call (each point is transformed on its own, as one by one)
    const xs = new Float64Array(positions);
    const ys = new Float64Array(positions);
    if (batch && positions > 0) {
      let k = 0;
      for (const source of sources) {
        if (source) forEachPosition(source, (p) => {
          xs[k] = p[0];
          ys[k++] = p[1];
        });
      }
      batch(xs, ys);
    }
    let at = 0;
    const next = (): [number, number] => {
      const k = at++;
      return [xs[k] as number, ys[k] as number];
    };
    for (let i = 0; i < features.length; i++) {
      const f = features[i];
      const source = sources[i];
      if (!f || !source) {
        local.push(null);
        windows.push(null);
        continue;
      }
      try {
        let g = batch ? transformGeometry(source, next) : source;
        // a projected geometry that crosses ±180 or encloses a pole once in lon/lat: cut as ogr2ogr cuts it (a
        // geometry with a coordinate PROJ refuses is left to placed, which names it); on a lon/lat raster laid
        // out over 0..360 the western part is read shifted by +360, as for lon/lat layers
        const cut = this.cuts.get(raster);
        if (cut && firstNonFinite(g) < 0) {
          const whole = g;
          g = cutAtAntimeridian(cut, source, g);
          if (g !== whole) g = withShiftedCopy(g, 360);
        }
        // the feature's own geometry names a coordinate PROJ refuses (source may hold antimeridian crossings)
        const w = this.placed(raster, grid, g, f.geometry ?? source);
        local.push(g);
        if (w !== null) touched[i] = true;
        windows.push(w);
      } catch (err) {
        errors[i] = featureError(f, err);
        local.push(null);
        windows.push(null);
      }
    }
    this.timings.reproject += performance.now() - tr;
    return { local, windows, errors };
  }

  /**
   * A feature's window on `raster`'s processing grid `grid`, `g` its geometry in the raster's CRS (reprojected from
   * `source`, the feature's own geometry in the layer's CRS); throws CRS_TRANSFORM_FAILED naming one of the
   * feature's coordinates that could not be reprojected, LIMIT_EXCEEDED when the window holds more cells than a
   * feature may.
   */
  private placed(raster: EngineRaster, grid: RasterGrid, g: Geometry, source: Geometry): Window | null {
    const problem = coordinatesProblem(g, source, this.batches.get(raster) ?? null);
    if (problem !== null) {
      const note = this.crsNotes.find((n) => n.raster === raster.name);
      throw new ZonalflowError('CRS_TRANSFORM_FAILED', `cannot reproject from the layer's CRS ${note?.features ?? ''} to ${raster.name}'s ${note?.crs ?? ''}: ${problem}; is the layer's CRS right?`);
    }
    const w = geometryWindow(g, grid);
    // work follows the cells a feature needs, never what a header declares: one limit per feature
    if (w !== null && w.rows * w.cols > this.maxCellsPerFeature) {
      throw new LimitError(`its window on ${raster.name} is ${w.cols} x ${w.rows} = ${w.rows * w.cols} cells, over the limit of ${this.maxCellsPerFeature} cells per feature (limits.maxCellsPerFeature)`);
    }
    return w;
  }

  /**
   * What {@link prepare} does per raster (the rasters, then the band-math outputs), for a caller that reprojects
   * flat coordinates itself (prepare-flat.ts): PROJ's batch transformer (null: same CRS) and the feature's window
   * ({@link placed}, throwing as {@link prepare} records); `geographic`: the features are in lon/lat (antimeridian
   * crossings are split before projecting). `timings.reproject` gets the caller's time.
   */
  targets(): { geographic: boolean; rasters: { batch: BatchTransform | null; cut: GeographicTarget | null; place: (g: Geometry, source: Geometry) => Window | null }[] } {
    return {
      geographic: this.featuresGeographic,
      rasters: this.all.map((raster) => {
        const grid = (this.plans.get(raster) ?? planGrids(raster.raster.info.grid, null, { values: raster.uri, weights: '' })).grid;
        return { batch: this.batches.get(raster) ?? null, cut: this.cuts.get(raster) ?? null, place: (g: Geometry, source: Geometry) => this.placed(raster, grid, g, source) };
      }),
    };
  }

  private async computeRaster(raster: EngineRaster, features: readonly Pick<EngineFeature, 'fid' | 'id'>[], rows: ResultRow[], column0: number, local: readonly (Geometry | null)[], windows0: readonly (Window | null)[], encoded: EncodedGeometries | undefined, signal?: AbortSignal): Promise<void> {
    const plan = this.plans.get(raster) ?? planGrids(raster.raster.info.grid, null, { values: raster.uri, weights: '' });
    const grid = plan.grid; // the processing grid: the raster's own, or the finer common grid with a weights raster
    const valueGrid = raster.raster.info.grid;
    const maxCells = this.options.maxCellsInMemory;
    const identity = isIdentity(plan.values);
    // coverage buffers reused from feature to feature (each feature's weights are used up before the next)
    // (in the `fraction` mode exact polygon coverage comes as exactextract's float32 weights: cells.ts float32Threshold;
    // in every mode a polygon of several rings is summed ring by ring in float32, as exactextract sums it)
    const weightOptions = { coverageWeight: this.options.coverageWeight ?? 'fraction', minCoverageFrac: this.options.minCoverageFrac ?? 0 };
    const scratch = new CoverageScratch(float32Threshold(weightOptions), true);
    const rings = new EncodedRings();
    // this function's arrays are built by push, not by map/filter: an array that Array.prototype.map makes in
    // optimized code has another elements kind (map) than one made before optimization, so each loop over it
    // deoptimized the function once ('wrong map'), and V8 compiled it ~7 times per job instead of ~2
    // features that failed (geometry, reprojection, an earlier raster) are not read
    const windows: (Window | null)[] = [];
    for (let i = 0; i < windows0.length; i++) windows.push(rows[i]?.error === null ? (windows0[i] ?? null) : null);
    // 2. prefetch the tiles of every window that fits in memory (huge windows are read chunk by chunk);
    // their tiles decode (inflate) on the thread pool while the features whose tiles are ready are computed
    await this.prefetchWindows(raster, windows, { decode: true, signal });
    // 3. per feature: coverage, values, statistics. One accumulator per band, reset from feature to feature,
    // and the per-raster options built once (nothing allocated per feature that the next one could reuse)
    const accs: StatsAccumulator[] = [];
    for (let b = 0; b < raster.bands.length; b++) accs.push(new StatsAccumulator({ stats: this.options.stats, semantics: this.options.coverage === 'exact' ? 'exact' : 'unweighted', histogram: this.options.histogram }));
    const weighted = this.options.weights !== undefined && this.options.stats.some((st) => WEIGHTED_STATS.has(st));
    const direct = identity && this.cellLists.size === 0 && !weighted && this.options.defaultValue === undefined && accs.every((a) => a.takesSamples);
    const readOptions = { nodata: raster.nodata, signal };
    for (let i = 0; i < features.length; i++) {
      const row = rows[i];
      const f = features[i];
      if (!row || !f) continue;
      if (row.error !== null) continue;
      for (const acc of accs) acc.reset();
      const lists = this.cellLists.size > 0 ? raster.bands.map(() => new CellLists(this.cellLists)) : null;
      // the geometry: decoded, or where it lies in the encoded numbers (-1: none)
      const g = encoded ? null : (local[i] ?? null);
      const at = encoded ? (encoded.starts[i] ?? -1) : -1;
      const w = windows[i] ?? null;
      if ((g !== null || at >= 0) && w !== null) {
        try {
          const chunks = w.rows * w.cols <= maxCells ? [w] : subdivideWindow(w, maxCells, identity ? raster.raster.info.tileHeight : 1);
          for (const chunk of chunks) {
            let t = performance.now();
            const cov = g !== null ? coverage(g, grid, this.options.coverage, chunk, scratch) : coverageEncoded((encoded as EncodedGeometries).data, at, grid, this.options.coverage, chunk, scratch, rings);
            this.timings.coverage += performance.now() - t;
            if (cov === null) continue;
            this.timings.cells += cov.weights.length;
            // the coverage as exactextract weighs it (float32, cells.ts): as the kernel wrote it (exact polygons), else
            // rounded in place (the window's weights are used only as c)
            const c = cov.float32 === true ? cov.weights : cellWeights(cov.weights, cov.window, grid, weightOptions, cov.weights);
            const dv = this.options.defaultValue;
            t = performance.now();
            // the common case: the cells go from the decoded tiles straight into the accumulators (no window copy),
            // synchronously when the tiles are decoded already (accumulateCached), else after reading them
            const cached = direct ? (raster.raster.accumulateCached?.(cov.window, raster.bands, c, accs, raster.nodata) ?? null) : false;
            if (cached === true || (cached === null && direct && (await raster.raster.accumulateWindow?.(cov.window, raster.bands, c, accs, readOptions)))) {
              this.timings.read += performance.now() - t;
              continue;
            }
            const read = await raster.raster.readWindow(sourceWindow(cov.window, plan.values), raster.bands, { nodata: raster.nodata, signal });
            const bands = read.map((bw) => spread(bw, cov.window, plan.values));
            const cw = weighted || (lists !== null && this.cellLists.has('weights')) ? await this.readWeights(plan, cov.window, signal) : undefined;
            this.timings.read += performance.now() - t;
            t = performance.now();
            bands.forEach((bw, k) => {
              if (dv !== undefined) fillDefault(bw.values, bw.valid, dv);
              accs[k]?.addWindow(bw.values, bw.valid, c, cw);
              lists?.[k]?.add(cov.window, grid, c, bw.values, bw.valid, cw, valueGrid);
            });
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
      for (let k = 0; k < accs.length; k++) {
        const result = (accs[k] as StatsAccumulator).result();
        for (const s of this.options.stats) {
          row.values[c++] = CELL_LIST_STATS.has(s) ? (lists?.[k]?.lists[s as CellListName] ?? []) : POSITION_STATS.has(s) ? toCell(lists?.[k]?.position(s as CellPositionName) ?? null) : toCell(result[s]);
        }
      }
      this.timings.stats += performance.now() - t;
    }
  }

  /** The processing grid of each raster, then of each band-math output (the grids windows are on). */
  processingGrids(): RasterGrid[] {
    return this.all.map((r) => (this.plans.get(r) ?? planGrids(r.raster.info.grid, null, { values: r.uri, weights: '' })).grid);
  }

  /** The column prefix of one band (for messages and tests). */
  prefix(raster: ZonalRaster, band: number): string {
    return bandPrefix(raster, band);
  }
}

/** A raster's centre in longitude/latitude (null: PROJ cannot say). */
function rasterCentre(r: ZonalRaster): [number, number] | null {
  try {
    const g = r.raster.info.grid;
    const cx = g.originX + (g.resX * g.width) / 2;
    const cy = g.originY - (g.resY * g.height) / 2;
    const toLonLat = makeTransformer(r.crs, crsFromEpsg(4326));
    return toLonLat ? toLonLat(cx, cy) : [cx, cy];
  } catch {
    return null;
  }
}

/** The extent of the features' finite positions (xmin > xmax: none). */
function featuresBox(features: readonly EngineFeature[]): BBox | null {
  let b: BBox | null = null;
  for (const f of features) {
    const g = f.geometry ? geometryBBox(f.geometry) : null;
    if (g) b = unionBBox(b, g);
  }
  return b;
}

/** The operation PROJ applies from the features' CRS to a raster's, named at `at` (longitude/latitude; never fails the job). */
function transformationAt(featureCrs: Crs, to: Crs, at: [number, number] | null): string {
  try {
    return describeTransformation(featureCrs, to, at !== null && Number.isFinite(at[0]) && Number.isFinite(at[1]) ? at : undefined);
  } catch (err) {
    return `PROJ's choice (not identified: ${err instanceof Error ? err.message : String(err)})`;
  }
}

/** A statistic as a table cell (NaN -> null, histograms copied; a frac with an undefined fraction (nodata weight) is null). */
export function toCell(v: StatValue | undefined): CellValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (Array.isArray(v)) return [...v];
  if ('fracs' in v) return v.fracs.some((x) => Number.isNaN(x)) ? null : { values: [...v.values], fracs: [...v.fracs] };
  return { bins: [...v.bins], counts: [...v.counts] };
}

/** Options that contradict each other or the statistics: one SpecError naming the problem. */
export function checkZonalOptions(o: ZonalOptions): void {
  const weightedAsked = o.stats.filter((s) => WEIGHTED_STATS.has(s));
  if (weightedAsked.length > 0 && o.weights === undefined) throw new SpecError(`${weightedAsked.map((s) => `"${s}"`).join(', ')} ${weightedAsked.length === 1 ? 'needs' : 'need'} a weights raster (--weights <uri>, or "weights": {"uri": ...} in a spec)`);
  if (o.coverage !== 'exact') {
    if (weightedAsked.length > 0) throw new SpecError(`${weightedAsked.map((s) => `"${s}"`).join(', ')} ${weightedAsked.length === 1 ? 'needs' : 'need'} coverage "exact" (exactextract's weighted statistics); in "${o.coverage}" mode frac and unique are rasterstats' categorical counts and there is no weighted form`);
    if ((o.coverageWeight ?? 'fraction') !== 'fraction') throw new SpecError(`coverageWeight "${o.coverageWeight}" needs coverage "exact" (in "${o.coverage}" mode every selected cell counts 1)`);
    if ((o.minCoverageFrac ?? 0) > 0) throw new SpecError(`minCoverageFrac needs coverage "exact" (in "${o.coverage}" mode cells are selected whole)`);
  }
  const m = o.minCoverageFrac ?? 0;
  if (!(m >= 0 && m <= 1)) throw new SpecError(`minCoverageFrac must be in [0, 1], got ${m}`);
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
  if (err instanceof SourceError) return permanentFailure(err);
  return err instanceof ZonalflowError && ['TILE_INVALID', 'RASTER_INVALID'].includes(err.code);
}

/**
 * The statistic columns a {@link ZonalEngine} on `rasters` with `options` writes (the rasters', then the band-math
 * outputs'), without building one: what `zonalflow estimate` checks the included attributes against. Band-math
 * errors (an unknown band, another CRS: PROJ must be loaded) are the engine's own.
 */
export function zonalColumns(rasters: readonly ZonalRaster[], options: Pick<ZonalOptions, 'stats' | 'bandMath'>): StatColumn[] {
  return statColumns([...rasters, ...bandMathRasters(rasters, options.bandMath ?? {})], options.stats);
}

/** `CODE: message` naming the feature. */
export function featureError(f: Pick<EngineFeature, 'id' | 'fid' | 'fidText' | 'idNull'>, err: unknown): string {
  const { code, message } = errorParts(err);
  return `${code}: ${featureLabel(f)}: ${message}`;
}

/** The code (a ZonalflowError's, else FEATURE_FAILED) and the message a feature's row error is made of (featureError). */
export function errorParts(err: unknown): { code: string; message: string } {
  return { code: err instanceof ZonalflowError ? err.code : 'FEATURE_FAILED', message: err instanceof Error ? err.message : String(err) };
}

/** `feature "id" (fid N)` with the fid as stored (NULL, text, int64 digits), never the internal key. */
export function featureLabel(f: Pick<EngineFeature, 'id' | 'fid' | 'fidText' | 'idNull'>): string {
  const fid = f.fidText === undefined ? String(f.fid) : (f.fidText ?? 'NULL');
  return `feature ${f.idNull === true ? 'with a NULL id' : JSON.stringify(f.id)} (fid ${fid})`;
}

/**
 * A feature that cannot be computed at all (`CODE: feature ... : reason`): empty geometry, invalid coordinates,
 * or a geometry `mode` cannot measure (a GeometryCollection mixing kinds in `exact` mode, as exactextract).
 */
export function featureProblem(f: EngineFeature, mode: CoverageMode): string | null {
  if (f.problem !== undefined) return `GEOMETRY_INVALID: ${featureLabel(f)}: ${f.problem}`;
  if (f.geometry === null) return `GEOMETRY_EMPTY: ${featureLabel(f)}: empty or missing geometry`;
  const p = geometryProblem(f.geometry) ?? coverageProblem(f.geometry, mode);
  return p === null ? null : `GEOMETRY_INVALID: ${featureLabel(f)}: ${p}`;
}

/**
 * After reprojection: a non-finite coordinate in `g` means the feature lies outside the target projection's domain.
 * The coordinate named is the first of the feature's own (`source`, in the layer's CRS) that `batch` cannot
 * transform, never one the engine made (a point where an edge crosses the antimeridian, a copy shifted by 360°);
 * only when every own vertex transforms (an edge's crossing point fails) is that point named, as such.
 */
function coordinatesProblem(g: Geometry, source: Geometry, batch: BatchTransform | null): string | null {
  const bad = firstNonFinite(g);
  if (bad < 0) return null;
  if (batch !== null) {
    const x0: number[] = [];
    const y0: number[] = [];
    forEachPosition(source, (q) => {
      x0.push(q[0]);
      y0.push(q[1]);
    });
    const xs = Float64Array.from(x0);
    const ys = Float64Array.from(y0);
    batch(xs, ys);
    for (let k = 0; k < xs.length; k++) {
      if (!Number.isFinite(xs[k]) || !Number.isFinite(ys[k])) return `PROJ cannot transform its vertex (${String(x0[k])}, ${String(y0[k])}): outside the domain of either CRS or of the projection`;
    }
  }
  return batch !== null
    ? 'every vertex transforms, but the point where an edge crosses the antimeridian does not: outside the domain of the projection'
    : 'a coordinate is not a finite number';
}
