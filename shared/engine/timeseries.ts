/**
 * Time-series statistics over STAC items (the semantics are fixed in
 * shared/timeseries/README.md; the judge uses exactly those):
 * - items sharing one `datetime` are one acquisition; masks and band math apply
 *   per item on its finest grid, then each output cell takes the first valid
 *   item value in ascending item id (a mosaic);
 * - per feature, the output grid is the finest-band grid of the first item
 *   (ascending id) whose footprint touches it, continued over the whole
 *   feature; other items are sampled at its cell centres by nearest neighbour,
 *   reprojected when their CRS differs;
 * - composites: per cell, one value per acquisition, `mean` or numpy's
 *   `median`; optional linear interpolation in time (openEO);
 * - every feature gets every date; `nodata_count` = covered cells (on the
 *   output grid) minus `count`.
 * Work is acquisition-major: for each item, the tiles every feature of the
 * chunk needs are fetched once (merged range requests), and an interval's
 * tile caches are dropped when it is done, so memory is bounded by one
 * interval's tiles.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { JobSpec } from '../spec';
import type { Crs } from '../crs/crs';
import { crsFromGeoKeys } from '../crs/geokeys';
import { checkCrs, crsDisplayName, crsEquivalent, geographicTarget, isGeographic, makeTransformer } from '../crs/transform';
import { cutAtAntimeridian, needsCut } from '../geometry/geographic-cut';
import type { GeographicTarget } from '../geometry/geographic-cut';
import { crsFromEpsg } from '../crs/epsg';
import { openSource, redact } from '../io/uri';
import type { AllowedSources } from '../io/uri';
import type { ByteSource } from '../io/source';
import { openRaster } from '../raster/cog';
import type { Raster } from '../raster/cog';
import type { RasterGrid, Window } from '../raster/grid';
import { coverage } from '../coverage/coverage';
import { CoverageScratch } from '../coverage/coverage.exact';
import { transformGeometry } from '../geometry/transform';
import { firstNonFinite, geometryBBox } from '../geometry/bbox';
import type { BBox, Geometry } from '../geometry/types';
import { StatsAccumulator } from '../stats/accumulator';
import type { StatName, StatValue } from '../stats/accumulator';
import { parseStatNames, statColumnName } from '../stats/names';
import { CrsError, GeometryError, LimitError, RasterError, SourceError, SpecError, ZonalflowError } from '../errors';
import type { CellValue, ResultRow, StatColumn } from '../output/table';
import type { EngineFeature } from './zonal';
import { featureError, featureProblem, toCell } from './zonal';
import { cellWeights } from './cells';
import { oneLine } from './job-checks';
import type { CellWeightOptions } from './cells';
import { bandsOf, evaluateWindow, parseExpression } from '../timeseries/expression';
import type { Expr } from '../timeseries/expression';
import { dilate, excludedCells, resampleNearest } from '../timeseries/mask';
import type { GridFrame } from '../timeseries/mask';
import { intervals as makeIntervals, isoTime, parseDuration, parseTimeRange } from '../timeseries/intervals';
import type { Scene } from '../timeseries/stac';
import { acquisitionIntervals, acquisitionsOf, byId, utcDay } from '../timeseries/acquisitions';
import type { Acquisition } from '../timeseries/acquisitions';
import { footprintOf, footprintTouches } from '../timeseries/footprint';
import type { Footprint } from '../timeseries/footprint';
import { composite, interpolateLinear } from '../timeseries/composite';
import type { Plane } from '../timeseries/composite';

/** One output row's time: a whole interval, or an acquisition (its instant, labelled with its UTC day, cut between two acquisitions of one day). */
interface Slot { from: number; to: number; datetime: number | null; acquisitions: Acquisition[] }

/**
 * One feature's statistics in one slot, per output (the Sentinel Hub-style JSON is built from it).
 * `from`/`to` are ISO UTC texts; `outputs` hold at least count, nodata_count, min, max, mean, stdev.
 */
export interface SlotStats { from: string; to: string; outputs: Record<string, Record<string, StatValue>>; error?: string; interpolated?: boolean }

/** Options of the engine. */
export interface TimeseriesOptions {
  allowed: AllowedSources;
  s3Client?: S3Client | undefined;
  wrapSource?: (s: ByteSource) => ByteSource;
  /**
   * Opens an asset's raster by its href (default: its source through `allowed`, wrapped by `wrapSource`, then its
   * header read). `zonalflow estimate` reads each header once for all the engines it runs, one a batch.
   */
  openRaster?: (uri: string) => Promise<Raster>;
}

/**
 * The reads a batch's {@link TimeseriesEngine.computeChunk} makes before its pixels, as {@link TimeseriesEngine.plannedReads}
 * finds them (headers read, no pixel): per item and band of each acquisition, the windows of the one merged prefetch
 * of that band's raster, in the order the engine sends them; and how many features have an output grid (a scene's
 * footprint touches them) or none (no scene touches them: every row count 0).
 */
export interface PlannedReads {
  prefetches: { item: string; band: string; raster: Raster; windows: Window[]; bands: number[] }[];
  /** Features the engine computes (no problem with their geometry) that some scene's footprint touches. */
  placed: number;
  /** Features the engine computes that no scene's footprint touches (no output grid: count 0, nodata_count 0). */
  untouched: number;
  /** Features that fail before any pixel is read (their geometry, its reprojection, an item that cannot be opened...). */
  failed: number;
  /**
   * The rows {@link TimeseriesEngine.computeChunk} would write with an error before any pixel is read, in its order
   * (feature by feature, slot by slot), each with the error it would carry (featureError: `CODE: feature ...: reason`):
   * a feature's problem (one row), or a slot whose item cannot be opened (an asset answering 403/404, refused after
   * DNS, a corrupt header) or sampled.
   */
  errors: { f: EngineFeature; error: string }[];
}

/** An opened item: its bands' rasters, its finest grid and CRS. */
interface ItemInfo { id: string; bands: Map<string, Raster>; fine: RasterGrid; crs: Crs; key: string }

/** A feature's output grid: a window-sized grid aligned on an item's finest grid, with the coverage weights. */
interface OutputGrid { grid: RasterGrid; crs: Crs; weights: Float64Array; n: number }

/** Where the output cells' centres fall on one item grid: a window of that grid and, per output cell, the index in it (-1: not covered). */
interface Sampling { window: Window; index: Int32Array }

interface FeatureState {
  f: EngineFeature;
  lonlat: Geometry | null;
  box: BBox | null;
  problem: string | null;
  out: OutputGrid | null;
  samplings: Map<string, Sampling | null>;
  /** The current acquisition's mosaic, per output. */
  mosaic: Plane[] | null;
  /** The current slot's acquisitions (per acquisition, per output). */
  pending: Plane[][];
  slotError: string | null;
  /** Per slot: per output composite plane (kept for interpolation) */
  planes: (Plane[] | null)[];
  results: SlotStats[];
}

const SH_STATS: StatName[] = ['count', 'nodata_count', 'min', 'max', 'mean', 'stdev'];

/** Time-series engine for one job. */
export class TimeseriesEngine {
  readonly columns: StatColumn[];
  readonly stats: StatName[];
  private readonly allStats: StatName[];
  private readonly outputs: { name: string; expr: Expr }[];
  private readonly needed: string[];
  private readonly slots: Slot[];
  private readonly items: Scene[];
  private readonly footprints = new Map<string, Footprint | null>();
  private readonly rasters = new Map<string, Promise<Raster>>();
  private readonly infos = new Map<string, Promise<ItemInfo>>();
  private readonly transformers = new Map<string, ((x: number, y: number) => [number, number]) | null>();
  private readonly toLonLat: ((x: number, y: number) => [number, number]) | null;
  /** A projected layer: its geometries in lon/lat cut at ±180 and closed over a pole as ogr2ogr cuts them (geographic-cut.ts). */
  private readonly lonLatCut: GeographicTarget | null;
  private readonly classes: { band: string; exclude: Set<number>; dilate: number } | null;
  private readonly nodataMasks: boolean;
  /** Job-level warnings (assets without a CRS, taken as being in the layer's), each said once. */
  readonly warnings = new Set<string>();
  /** How coverage fractions become cell weights: the spec's coverageWeight and minCoverageFrac, as a zonal job's. */
  private readonly weightOptions: CellWeightOptions;

  constructor(private readonly spec: JobSpec, scenes: readonly Scene[], private readonly featureCrs: Crs, private readonly opts: TimeseriesOptions) {
    const stac = spec.stac;
    if (!stac) throw new ZonalflowError('SPEC_INVALID', 'a time-series job needs "stac"');
    const assets = Object.keys(stac.assets);
    const names = timeseriesOutputs(spec, assets);
    this.outputs = names.map((n) => ({ name: n, expr: spec.bands[n] !== undefined ? parseExpression(spec.bands[n] ?? '', assets, `band "${n}"`) : ({ k: 'band', name: n }) }));
    const needed = new Set<string>();
    for (const o of this.outputs) for (const b of bandsOf(o.expr)) needed.add(b);
    const cls = spec.mask?.classes;
    if (cls) needed.add(cls.band);
    this.needed = [...needed];
    this.classes = cls ? { band: cls.band, exclude: new Set(cls.exclude), dilate: cls.dilate } : null;
    this.nodataMasks = spec.mask?.nodata ?? true;
    this.stats = parseStatNames(spec.stats);
    this.allStats = [...new Set<StatName>([...this.stats, ...SH_STATS])];
    const scene = spec.interval === 'scene';
    this.columns = timeseriesColumns(spec, this.outputs.map((o) => o.name), this.stats);
    const acquisitions = acquisitionsOf(scenes);
    if (scene) {
      // labelled with their UTC day, cut between two acquisitions of one day (acquisitions.ts)
      const labels = acquisitionIntervals(acquisitions);
      this.slots = acquisitions.map((a, i) => ({ ...(labels[i] ?? utcDay(a.datetime)), datetime: a.datetime, acquisitions: [a] }));
    } else {
      const range = parseTimeRange(stac.datetime);
      this.slots = makeIntervals(range.from, range.to, parseDuration(spec.interval), spec.lastInterval).map((iv) => ({
        ...iv,
        datetime: null,
        acquisitions: acquisitions.filter((a) => a.datetime >= iv.from && a.datetime < iv.to),
      }));
    }
    this.items = [...scenes].sort(byId);
    for (const s of this.items) this.footprints.set(s.id, footprintOf(s.geometry));
    this.toLonLat = makeTransformer(featureCrs, crsFromEpsg(4326));
    this.lonLatCut = geographicTarget(featureCrs, crsFromEpsg(4326), this.toLonLat);
    this.weightOptions = { coverageWeight: spec.coverageWeight, minCoverageFrac: spec.minCoverageFrac };
  }

  private open(uri: string): Promise<Raster> {
    let p = this.rasters.get(uri);
    if (!p) {
      const opener = this.opts.openRaster;
      p = opener ? opener(uri) : (async () => {
        const src = openSource(uri, { allowed: this.opts.allowed, s3Client: this.opts.s3Client });
        return openRaster(this.opts.wrapSource ? this.opts.wrapSource(src) : src);
      })();
      p.catch(() => undefined);
      this.rasters.set(uri, p);
    }
    return p;
  }

  /** The item's band rasters, its finest grid (smallest cell) and CRS; every band must share the CRS. */
  private info(item: Scene): Promise<ItemInfo> {
    let p = this.infos.get(item.id);
    if (!p) {
      p = (async () => {
        const bands = new Map<string, Raster>();
        for (const b of this.needed) {
          const href = item.hrefs[b];
          if (href === undefined) throw new RasterError(`item ${item.id} has no asset for band "${b}"`);
          bands.set(b, await this.open(href));
        }
        let fine: Raster | null = null;
        for (const r of bands.values()) if (!fine || r.info.grid.resX < fine.info.grid.resX) fine = r;
        if (!fine) throw new RasterError(`item ${item.id}: no band to read`);
        // the CRS from each asset's GeoKeys, read by PROJ (as rasters.ts checks a zonal raster's): an error quotes its
        // citation (GTCitationGeoKey), which may hold line breaks, or PROJ's message; one line naming the asset
        const crsOf = (b: string, r: Raster): Crs => {
          try {
            const c = crsFromGeoKeys(r.info.geoKeys);
            checkCrs(c);
            return c;
          } catch (err) {
            if (!(err instanceof CrsError)) throw err;
            throw new CrsError(`cannot resolve the CRS of ${redact(item.hrefs[b] ?? '')} (STAC item ${item.id}, asset "${b}"): ${oneLine(err.message)}`, { cause: err });
          }
        };
        const fineBand = [...bands].find(([, r]) => r === fine)?.[0] ?? '';
        const crs = crsOf(fineBand, fine);
        if (crs.undefinedCrs && !this.featureCrs.undefinedCrs && ![...this.warnings].some((w) => w.startsWith('scene assets have no CRS'))) {
          this.warnings.add(`scene assets have no CRS (no GeoKeys; first: item ${item.id}): their coordinates are taken as being in the layer's CRS, ${crsDisplayName(this.featureCrs)}`);
        }
        for (const [b, r] of bands) {
          const c = crsOf(b, r);
          if (!crsEquivalent(c, crs)) throw new RasterError(oneLine(`the assets of item ${item.id} are in different CRSs (band "${b}": ${c.name}, finest band: ${crs.name})`));
        }
        const g = fine.info.grid;
        return { id: item.id, bands, fine: g, crs, key: `${crs.def}|${g.originX}|${g.originY}|${g.resX}|${g.resY}|${g.width}|${g.height}` };
      })();
      p.catch(() => undefined);
      this.infos.set(item.id, p);
    }
    return p;
  }

  /** Per asset CRS: how the layer's geometries are cut in it when it is lon/lat and the layer projected (null: not). */
  private readonly cuts = new Map<string, GeographicTarget | null>();

  private cutInto(to: Crs, forward: (x: number, y: number) => [number, number]): GeographicTarget | null {
    if (!this.cuts.has(to.def)) this.cuts.set(to.def, geographicTarget(this.featureCrs, to, forward));
    return this.cuts.get(to.def) ?? null;
  }

  private transformer(from: Crs, to: Crs): ((x: number, y: number) => [number, number]) | null {
    const k = `${from.def}\u0000${to.def}`;
    if (!this.transformers.has(k)) this.transformers.set(k, makeTransformer(from, to));
    return this.transformers.get(k) ?? null;
  }

  /** Long-format rows (one per feature and slot, features in input order) and each feature's statistics by slot. */
  async computeChunk(features: readonly EngineFeature[]): Promise<{ rows: ResultRow[]; byFeature: Map<number, SlotStats[]> }> {
    const states = await this.placeOutputs(features);
    const live = states.filter((s) => s.problem === null);
    for (const [si, slot] of this.slots.entries()) {
      for (const s of live) {
        s.pending = [];
        s.slotError = null;
      }
      for (const acq of slot.acquisitions) {
        await this.readAcquisition(acq, live);
        for (const s of live) if (s.mosaic) s.pending.push(s.mosaic);
      }
      for (const s of live) {
        const planes = s.out && s.slotError === null ? this.outputs.map((_, k) => (s.pending.length > 0 ? composite(s.pending.map((p) => p[k] as Plane), this.spec.composite, s.out?.n ?? 0) : emptyPlane(s.out?.n ?? 0))) : null;
        s.pending = [];
        s.planes[si] = planes;
        if (s.slotError !== null) s.results[si] = { ...this.label(slot), outputs: {}, error: s.slotError };
      }
      for (const acq of slot.acquisitions) for (const item of acq.items) await this.release(item);
      if (this.spec.interpolate !== 'linear') for (const s of live) this.summarise(s, si, 0);
    }
    if (this.spec.interpolate === 'linear') {
      const xs = this.slots.map((sl) => sl.datetime ?? sl.from);
      for (const s of live) {
        const filled = new Array<number>(this.slots.length).fill(0);
        if (s.out) {
          for (let k = 0; k < this.outputs.length; k++) {
            // failed slots take no part (they are neither a source nor a target)
            const ok = s.planes.map((p, i) => (p ? i : -1)).filter((i) => i >= 0);
            const got = interpolateLinear(ok.map((i) => (s.planes[i] as Plane[])[k] as Plane), ok.map((i) => xs[i] as number), s.out.n);
            got.forEach((c, j) => (filled[ok[j] as number] = (filled[ok[j] as number] as number) + c));
          }
        }
        for (let si = 0; si < this.slots.length; si++) this.summarise(s, si, filled[si] as number);
      }
    }
    const rows: ResultRow[] = [];
    const byFeature = new Map<number, SlotStats[]>();
    for (const s of states) {
      if (s.problem !== null) {
        rows.push({ id: s.f.id, fid: s.f.fid, values: new Array<CellValue>(this.columns.length).fill(null), error: s.problem });
        continue;
      }
      byFeature.set(s.f.fid, s.results);
      s.results.forEach((r, si) => rows.push(this.row(s.f, this.slots[si] as Slot, r)));
    }
    return { rows, byFeature };
  }

  /**
   * What {@link computeChunk} of these features reads, found as it finds it (the same output grids, relevant items,
   * samplings and prefetch windows) with every header it needs read and no pixel: see {@link PlannedReads}. A read
   * that fails once pixels are read (a corrupt tile) would drop its feature from the rest of that slot; that is not
   * foreseen here. Errors: those computeChunk throws before its first pixel.
   */
  async plannedReads(features: readonly EngineFeature[]): Promise<PlannedReads> {
    const states = await this.placeOutputs(features);
    const live = states.filter((s) => s.problem === null);
    const placed = live.filter((s) => s.out !== null).length;
    const prefetches: PlannedReads['prefetches'] = [];
    // per feature, its slots' errors (computeChunk writes a failed slot's row with its slotError)
    const slotErrors = new Map<FeatureState, string[]>();
    for (const slot of this.slots) {
      for (const s of live) s.slotError = null;
      for (const acq of slot.acquisitions) {
        this.beginAcquisition(live, false);
        for (const item of acq.items) {
          const work = await this.itemWork(item, live);
          if (work !== null) for (const p of this.prefetchWindows(work.info, work.work)) prefetches.push({ item: item.id, band: p.band, raster: p.raster, windows: p.windows, bands: [1] });
        }
      }
      for (const s of live) if (s.slotError !== null) slotErrors.set(s, [...(slotErrors.get(s) ?? []), s.slotError]);
    }
    const errors = states.flatMap((s) => (s.problem !== null ? [{ f: s.f, error: s.problem }] : (slotErrors.get(s) ?? []).map((error) => ({ f: s.f, error }))));
    return { prefetches, placed, untouched: live.length - placed, failed: states.length - live.length, errors };
  }

  /** The features' states with their output grids placed (a feature that cannot be placed has its problem). */
  private async placeOutputs(features: readonly EngineFeature[]): Promise<FeatureState[]> {
    const states = features.map((f) => this.initState(f));
    for (const s of states) {
      if (s.problem !== null) continue;
      try {
        s.out = await this.outputGrid(s);
      } catch (err) {
        if (stopsBatch(err)) throw err;
        s.problem = featureError(s.f, err);
      }
    }
    return states;
  }

  private label(slot: Slot): { from: string; to: string } {
    return { from: isoTime(slot.from), to: isoTime(slot.to) };
  }

  private row(f: EngineFeature, slot: Slot, r: SlotStats): ResultRow {
    const values: CellValue[] = slot.datetime !== null ? [isoTime(slot.datetime)] : [r.from, r.to];
    for (const o of this.outputs) for (const s of this.stats) values.push(r.error === undefined ? toCell(r.outputs[o.name]?.[s]) : null);
    if (this.spec.interpolate === 'linear') values.push(r.error === undefined ? r.interpolated === true : null);
    return { id: f.id, fid: f.fid, values, error: r.error ?? null };
  }

  /** Statistics of slot `si` of a feature from its composite planes (none: no output grid, count 0 and nodata_count 0). */
  private summarise(s: FeatureState, si: number, filled: number): void {
    const slot = this.slots[si] as Slot;
    if (s.results[si]?.error !== undefined) return;
    const planes = s.planes[si];
    const outputs: Record<string, Record<string, StatValue>> = {};
    this.outputs.forEach((o, k) => {
      const acc = new StatsAccumulator({ stats: this.allStats, semantics: this.spec.coverage === 'exact' ? 'exact' : 'unweighted', histogram: this.spec.histogram });
      const p = planes?.[k];
      if (p && s.out) acc.addWindow(p.values, p.valid, s.out.weights);
      outputs[o.name] = acc.result();
    });
    s.planes[si] = null;
    s.results[si] = { ...this.label(slot), outputs, ...(this.spec.interpolate === 'linear' ? { interpolated: filled > 0 } : {}) };
  }

  private initState(f: EngineFeature): FeatureState {
    const problem = featureProblem(f, this.spec.coverage);
    const base: FeatureState = { f, lonlat: null, box: null, problem, out: null, samplings: new Map(), mosaic: null, pending: [], slotError: null, planes: new Array<Plane[] | null>(this.slots.length).fill(null), results: new Array<SlotStats>(this.slots.length) };
    if (problem !== null || f.geometry === null) return base;
    try {
      const t = this.toLonLat;
      base.lonlat = t ? transformGeometry(f.geometry, t) : f.geometry;
      if (this.lonLatCut && firstNonFinite(base.lonlat) < 0) base.lonlat = cutAtAntimeridian(this.lonLatCut, f.geometry, base.lonlat);
      base.box = geometryBBox(base.lonlat);
    } catch (err) {
      base.problem = featureError(f, err);
    }
    return base;
  }

  /** The finest grid of the first item (ascending id) whose footprint touches the feature, over the feature's bbox; null when no item touches it. */
  private async outputGrid(s: FeatureState): Promise<OutputGrid | null> {
    const g = s.f.geometry;
    if (!g || !s.lonlat) return null;
    for (const item of this.items) {
      if (!footprintTouches(this.footprints.get(item.id) ?? null, item.bbox, s.lonlat)) continue;
      const info = await this.info(item);
      const t = this.transformer(this.featureCrs, info.crs);
      const local = t ? transformGeometry(g, t) : g;
      // a projected feature across ±180 or around a pole in lon/lat assets: one output grid cannot hold its parts (the
      // zonal engine cuts it as ogr2ogr does, geographic-cut.ts); refused with the reason, never measured the long way round
      const cut = t && firstNonFinite(local) < 0 ? this.cutInto(info.crs, t) : null;
      if (cut && needsCut(cut, g, local)) throw new GeometryError(`it crosses the antimeridian or encloses a pole once in the lon/lat CRS of item ${item.id}'s assets, which a time series does not compute (one output grid per feature); split it at 180 in the layer`);
      const b = geometryBBox(local);
      if (!b) return null;
      const F = info.fine;
      const c0 = Math.floor((b.xmin - F.originX) / F.resX);
      const c1 = Math.max(c0 + 1, Math.ceil((b.xmax - F.originX) / F.resX));
      const r0 = Math.floor((F.originY - b.ymax) / F.resY);
      const r1 = Math.max(r0 + 1, Math.ceil((F.originY - b.ymin) / F.resY));
      const grid: RasterGrid = { originX: F.originX + c0 * F.resX, originY: F.originY - r0 * F.resY, resX: F.resX, resY: F.resY, width: c1 - c0, height: r1 - r0 };
      const n = grid.width * grid.height;
      // one plane per output and interval is held per feature: bounded like single-raster jobs
      if (n > this.spec.limits.maxCellsInMemory) throw new LimitError(`the feature spans ${grid.width} x ${grid.height} cells of ${F.resX} m on item ${item.id}'s grid, more than limits.maxCellsInMemory (${this.spec.limits.maxCellsInMemory}) for a time series`);
      const weights = this.weightOptions;
      if (weights.coverageWeight.startsWith('area_spherical') && !isGeographic(info.crs)) {
        throw new SpecError(`coverageWeight "${weights.coverageWeight}" applies to lon/lat rasters; the assets of item ${item.id} are projected (use "area_cartesian" for areas in their units)`);
      }
      // a scratch of its own (the weights are kept): a polygon of several rings summed ring by ring in float32, as
      // exactextract and the zonal engine sum it (coverage.exact.ts ringsFloat32); cellWeights below does the rest
      const cov = coverage(local, grid, this.spec.coverage, { row0: 0, col0: 0, rows: grid.height, cols: grid.width }, new CoverageScratch(null, true));
      // the coverage as the zonal engine (and exactextract) weighs it: float32 fractions, the spec's coverageWeight and
      // minCoverageFrac (cells.ts), in place; cells weighing 0 are not sampled
      return { grid, crs: info.crs, weights: cov ? cellWeights(cov.weights, cov.window, grid, weights, cov.weights) : new Float64Array(n), n };
    }
    return null;
  }

  /** Where the feature's covered output cells fall on an item's finest grid (null: none falls inside that grid). */
  private sampling(s: FeatureState, info: ItemInfo): Sampling | null {
    const cached = s.samplings.get(info.key);
    if (cached !== undefined) return cached;
    const out = s.out as OutputGrid;
    const G = out.grid;
    const F = info.fine;
    const t = this.transformer(out.crs, info.crs);
    const rowOf = new Int32Array(out.n);
    const colOf = new Int32Array(out.n);
    let rMin = Infinity;
    let rMax = -Infinity;
    let cMin = Infinity;
    let cMax = -Infinity;
    for (let r = 0; r < G.height; r++) {
      for (let c = 0; c < G.width; c++) {
        const i = r * G.width + c;
        rowOf[i] = -1;
        if (!((out.weights[i] as number) > 0)) continue;
        let x = G.originX + (c + 0.5) * G.resX;
        let y = G.originY - (r + 0.5) * G.resY;
        if (t) [x, y] = t(x, y);
        const fr = Math.floor((F.originY - y) / F.resY);
        const fc = Math.floor((x - F.originX) / F.resX);
        if (!(fr >= 0 && fr < F.height && fc >= 0 && fc < F.width)) continue;
        rowOf[i] = fr;
        colOf[i] = fc;
        if (fr < rMin) rMin = fr;
        if (fr > rMax) rMax = fr;
        if (fc < cMin) cMin = fc;
        if (fc > cMax) cMax = fc;
      }
    }
    let result: Sampling | null = null;
    if (rMax >= rMin) {
      const window: Window = { row0: rMin, col0: cMin, rows: rMax - rMin + 1, cols: cMax - cMin + 1 };
      const index = new Int32Array(out.n).fill(-1);
      for (let i = 0; i < out.n; i++) if ((rowOf[i] as number) >= 0) index[i] = ((rowOf[i] as number) - rMin) * window.cols + ((colOf[i] as number) - cMin);
      result = { window, index };
    }
    s.samplings.set(info.key, result);
    return result;
  }

  /** Reads one acquisition for every live feature: per item (ascending id) one merged prefetch, then per feature masks, band math, sampling and the mosaic. */
  private async readAcquisition(acq: Acquisition, states: FeatureState[]): Promise<void> {
    this.beginAcquisition(states, true);
    for (const item of acq.items) {
      const found = await this.itemWork(item, states);
      if (found === null) continue;
      const { info, work } = found;
      // every tile of this item that any feature needs, once, in merged requests
      await Promise.all(this.prefetchWindows(info, work).map(async ({ raster: r, windows }) => {
        try {
          await r.prefetch(windows, { bands: [1] });
        } catch (err) {
          if (stopsBatch(err)) throw err;
          // a bad tile: the features that read it fail below, one by one
        }
      }));
      for (const { s, sm } of work) {
        if (s.mosaic === null) continue;
        try {
          const planes = await this.itemPlanes(info, sm, s.out as OutputGrid);
          planes.forEach((p, k) => {
            const m = (s.mosaic as Plane[])[k] as Plane;
            for (let i = 0; i < p.valid.length; i++) if (m.valid[i] === 0 && p.valid[i] === 1) { m.values[i] = p.values[i] as number; m.valid[i] = 1; }
          });
        } catch (err) {
          if (stopsBatch(err)) throw err;
          this.fail(s, err);
        }
      }
    }
  }

  /** An acquisition starts: the features with an output grid and no failure in the slot take part (`planes`: their empty mosaics; else a mark). */
  private beginAcquisition(states: FeatureState[], planes: boolean): void {
    for (const s of states) s.mosaic = s.out && s.slotError === null ? (planes ? this.outputs.map(() => emptyPlane(s.out?.n ?? 0)) : []) : null;
  }

  /**
   * The features of an acquisition's item to read and where (their samplings on its finest grid), the item opened;
   * null when none is (no feature in it, or the item cannot be opened: its features fail, as a failed read).
   */
  private async itemWork(item: Scene, states: FeatureState[]): Promise<{ info: ItemInfo; work: { s: FeatureState; sm: Sampling }[] } | null> {
    const relevant = states.filter((s) => s.mosaic !== null && s.box !== null && (item.bbox === null || boxesTouch(item.bbox, s.box)));
    if (relevant.length === 0) return null;
    let info: ItemInfo;
    try {
      info = await this.info(item);
    } catch (err) {
      if (stopsBatch(err)) throw err;
      for (const s of relevant) this.fail(s, err);
      return null;
    }
    const work: { s: FeatureState; sm: Sampling }[] = [];
    for (const s of relevant) {
      try {
        const sm = this.sampling(s, info);
        if (sm) work.push({ s, sm });
      } catch (err) {
        if (stopsBatch(err)) throw err;
        this.fail(s, err);
      }
    }
    if (work.length === 0) return null;
    // row-major over the item's grid, so the decoded-tile cache walks the scene once
    work.sort((a, b) => Math.floor(a.sm.window.row0 / 256) - Math.floor(b.sm.window.row0 / 256) || a.sm.window.col0 - b.sm.window.col0);
    return { info, work };
  }

  /** Per band of an item, the windows of its raster that `work` needs: one merged prefetch each (the class band's grown by the dilation). */
  private prefetchWindows(info: ItemInfo, work: readonly { sm: Sampling }[]): { band: string; raster: Raster; windows: Window[] }[] {
    const halo = this.classes?.dilate ?? 0;
    return [...info.bands.entries()].map(([b, r]) => ({ band: b, raster: r, windows: work.map(({ sm }) => bandWindow(r.info.grid, info.fine, b === this.classes?.band ? grow(sm.window, halo) : sm.window)) }));
  }

  private fail(s: FeatureState, err: unknown): void {
    s.slotError ??= featureError(s.f, err);
    s.mosaic = null;
  }

  /** One item's outputs sampled on a feature's output grid: bands on the item's finest grid, class mask (excluded classes dilated), band math, then nearest-neighbour sampling. */
  private async itemPlanes(info: ItemInfo, sm: Sampling, out: OutputGrid): Promise<Plane[]> {
    const W = sm.window;
    const n = W.rows * W.cols;
    const nodata = this.nodataMasks ? {} : { nodata: null };
    const bands = new Map<string, Plane>();
    let keep: Uint8Array | null = null;
    for (const [b, r] of info.bands) {
      if (this.classes && b === this.classes.band) {
        const halo = this.classes.dilate;
        const Wh = grow(W, halo);
        const cls = await readOnGrid(r, info.fine, Wh, nodata);
        const excluded = dilate(excludedCells(cls.values, cls.valid, this.classes.exclude), Wh.rows, Wh.cols, halo);
        keep = new Uint8Array(n);
        const values = new Float64Array(n);
        const valid = new Uint8Array(n);
        for (let rr = 0; rr < W.rows; rr++) {
          for (let cc = 0; cc < W.cols; cc++) {
            const j = (rr + halo) * Wh.cols + cc + halo;
            const i = rr * W.cols + cc;
            values[i] = cls.values[j] as number;
            valid[i] = cls.valid[j] as number;
            keep[i] = cls.valid[j] === 1 && excluded[j] === 0 ? 1 : 0;
          }
        }
        bands.set(b, { values, valid });
      } else {
        bands.set(b, await readOnGrid(r, info.fine, W, nodata));
      }
    }
    return this.outputs.map((o) => {
      const p = evaluateWindow(o.expr, bands, n);
      const values = new Float64Array(out.n);
      const valid = new Uint8Array(out.n);
      for (let i = 0; i < out.n; i++) {
        const j = sm.index[i] as number;
        if (j < 0 || p.valid[j] !== 1 || (keep !== null && keep[j] !== 1)) continue;
        values[i] = p.values[j] as number;
        valid[i] = 1;
      }
      return { values, valid };
    });
  }

  /** Drops the decoded and compressed tiles of an item's rasters (its headers stay). */
  private async release(item: Scene): Promise<void> {
    const p = this.infos.get(item.id);
    if (!p) return;
    const info = await p.catch(() => null);
    if (info) for (const r of info.bands.values()) r.dropCaches();
  }
}

/**
 * Errors that stop the batch (so the pipeline retries it): bugs, and transient source failures
 * (network, 5xx, 429). Anything else (a corrupt tile, an asset answering 403/404, a refused URL)
 * fails the features and the interval that needed it, never the batch.
 */
function stopsBatch(err: unknown): boolean {
  if (!(err instanceof ZonalflowError)) return true;
  if (err instanceof SourceError) return err.status === undefined || err.status >= 500 || err.status === 429;
  return false;
}

function emptyPlane(n: number): Plane {
  return { values: new Float64Array(n), valid: new Uint8Array(n) };
}

function boxesTouch(a: BBox, b: BBox): boolean {
  return a.xmin <= b.xmax && a.xmax >= b.xmin && a.ymin <= b.ymax && a.ymax >= b.ymin;
}

function grow(w: Window, halo: number): Window {
  return halo > 0 ? { row0: w.row0 - halo, col0: w.col0 - halo, rows: w.rows + 2 * halo, cols: w.cols + 2 * halo } : w;
}

/** The window of a band's own grid covering a window of the item's finest grid (the same window when the grids agree). */
function bandWindow(src: RasterGrid, fine: RasterGrid, w: Window): Window {
  if (sameGrid(src, fine)) return w;
  const x0 = fine.originX + w.col0 * fine.resX;
  const x1 = x0 + w.cols * fine.resX;
  const y0 = fine.originY - w.row0 * fine.resY;
  const y1 = y0 - w.rows * fine.resY;
  const c0 = Math.floor((x0 - src.originX) / src.resX);
  const c1 = Math.ceil((x1 - src.originX) / src.resX);
  const r0 = Math.floor((src.originY - y0) / src.resY);
  const r1 = Math.ceil((src.originY - y1) / src.resY);
  return { row0: r0, col0: c0, rows: Math.max(1, r1 - r0), cols: Math.max(1, c1 - c0) };
}

function sameGrid(a: RasterGrid, b: RasterGrid): boolean {
  return a.resX === b.resX && a.resY === b.resY && a.originX === b.originX && a.originY === b.originY;
}

/** The assets' stored numbers (DN): a scale/offset in the GeoTIFF's metadata is undone (integers rounded back exactly), as a STAC `raster:bands` scale is never applied. */
function storedNumbers(raster: Raster, values: Float64Array): void {
  const scale = raster.info.scale[0] ?? 1;
  const offset = raster.info.offset[0] ?? 0;
  if (scale === 1 && offset === 0) return;
  const integer = !raster.info.dtype.startsWith('float');
  for (let i = 0; i < values.length; i++) {
    const v = ((values[i] as number) - offset) / scale;
    values[i] = integer ? Math.round(v) : v;
  }
}

/** Band 1 of a raster over window `w` of the item's finest grid (nearest neighbour at the finest cells' centres when the raster is coarser); cells outside the raster are invalid. */
async function readOnGrid(raster: Raster, fine: RasterGrid, w: Window, opts: { nodata?: null }): Promise<Plane> {
  const src = raster.info.grid;
  const sw = bandWindow(src, fine, w);
  const [bw] = await raster.readWindow(sw, [1], opts);
  if (!bw) throw new RasterError(`${raster.info.uri}: no band 1`);
  storedNumbers(raster, bw.values);
  if (sameGrid(src, fine)) return { values: bw.values, valid: bw.valid };
  const from: GridFrame = { originX: src.originX + sw.col0 * src.resX, originY: src.originY - sw.row0 * src.resY, resX: src.resX, resY: src.resY, rows: sw.rows, cols: sw.cols };
  const to: GridFrame = { originX: fine.originX + w.col0 * fine.resX, originY: fine.originY - w.row0 * fine.resY, resX: fine.resX, resY: fine.resY, rows: w.rows, cols: w.cols };
  return { values: resampleNearest(bw.values, from, to, 0), valid: resampleNearest(bw.valid, from, to, 0) };
}

/** The outputs of a time series (`outputs`, else the `bands` expressions, else the assets but the class band). */
function timeseriesOutputs(spec: JobSpec, assets: readonly string[]): string[] {
  return spec.outputs ?? (Object.keys(spec.bands).length > 0 ? Object.keys(spec.bands) : assets.filter((a) => a !== spec.mask?.classes?.band));
}

/**
 * The columns a time series writes after the attributes: its date or interval, then `<output>_<stat>` per
 * output and statistic, then `interpolated` with linear interpolation. Without `outputs`/`stats`: the spec's
 * (TimeseriesEngine's own, so `zonalflow estimate` checks the included attributes against the same names).
 */
export function timeseriesColumns(spec: JobSpec, outputs?: readonly string[], stats?: readonly StatName[]): StatColumn[] {
  const names = outputs ?? timeseriesOutputs(spec, Object.keys(spec.stac?.assets ?? {}));
  const st = stats ?? parseStatNames(spec.stats);
  return [
    ...(spec.interval === 'scene' ? [{ name: 'datetime', kind: 'timestamp' as const }] : [{ name: 'interval_from', kind: 'timestamp' as const }, { name: 'interval_to', kind: 'timestamp' as const }]),
    ...names.flatMap((n) => st.map((s): StatColumn => ({ name: `${n}_${statColumnName(s)}`, kind: s === 'histogram' ? 'histogram' : 'number' }))),
    ...(spec.interpolate === 'linear' ? [{ name: 'interpolated', kind: 'boolean' as const }] : []),
  ];
}
