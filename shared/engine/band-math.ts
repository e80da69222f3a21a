/**
 * Band math over plain rasters (`"bands": {"ndvi": "(nir - red) / (nir + red)"}`):
 * each expression becomes one more raster for the engine, read cell by cell
 * from the rasters it names and evaluated in float64 (shared/timeseries/
 * expression.ts: a cell is valid when every band it reads is valid and the
 * result is finite). A name is a raster's `name` when one band of it is read,
 * `<name>_b<k>` for band k when several are (the column prefixes). Every raster
 * an expression reads must be on the same grid (size, origin, cell size, CRS):
 * otherwise the job stops with a message naming both rasters.
 */
import type { Crs } from '../crs/crs';
import { crsEquivalent } from '../crs/transform';
import { RasterError } from '../errors';
import type { BandWindow, RasterInfo, SampleSink } from '../raster/cog';
import type { Window } from '../raster/grid';
import { bandsOf, evaluateWindow, parseExpression } from '../timeseries/expression';
import type { Expr } from '../timeseries/expression';
import type { ZonalRaster } from './rasters';
import { bandPrefix } from './columns';

/** What the engine reads from a raster. */
export interface WindowReader {
  readonly info: RasterInfo;
  prefetch(windows: readonly Window[], opts?: { bands?: readonly number[]; signal?: AbortSignal | undefined }): Promise<void>;
  readWindow(w: Window, bands: readonly number[], opts?: { nodata?: number | null | undefined; signal?: AbortSignal | undefined }): Promise<BandWindow[]>;
  /** Raster.decodeAhead (a file's raster): starts decoding the prefetched tiles the windows need; returns at once. */
  decodeAhead?(windows: readonly Window[], opts?: { bands?: readonly number[] }): void;
  /** Raster.accumulateWindow (a file's raster): the cells straight into the accumulators; false when readWindow is needed. */
  accumulateWindow?(w: Window, bands: readonly number[], weights: Float64Array, sinks: readonly SampleSink[], opts?: { nodata?: number | null | undefined; signal?: AbortSignal | undefined }): Promise<boolean>;
  /** Raster.accumulateCached: accumulateWindow without waiting when every tile is decoded already; null when one is not (then accumulateWindow). */
  accumulateCached?(w: Window, bands: readonly number[], weights: Float64Array, sinks: readonly SampleSink[], nodata?: number | null): boolean | null;
  /** A band-math output: the rasters and bands its {@link prefetch} fetches, in its order (`zonalflow estimate` counts them). */
  prefetchSources?(): { raster: WindowReader; bands: number[] }[];
}

/** A raster as the engine computes it: a file (ZonalRaster) or a band-math output. */
export interface EngineRaster { name: string; uri: string; crs: Crs; bands: number[]; nodata: number | null | undefined; raster: WindowReader }

interface Source { raster: ZonalRaster; band: number }

/** The band-math outputs as engine rasters (one band each), in the spec's order. */
export function bandMathRasters(rasters: readonly ZonalRaster[], exprs: Readonly<Record<string, string>>, opts: { checkCrs?: boolean } = {}): EngineRaster[] {
  // a worker thread (no PROJ) rebuilds outputs the main thread has checked
  const sameCrs = opts.checkCrs === false ? () => true : crsEquivalent;
  const vars = new Map<string, Source>();
  for (const r of rasters) for (const b of r.bands) vars.set(bandPrefix(r, b), { raster: r, band: b });
  const taken = new Set(rasters.map((r) => r.name));
  return Object.entries(exprs).map(([name, text]) => {
    if (taken.has(name)) throw new RasterError(`band math output "${name}" has the name of a raster; rename one of them`);
    const expr = parseExpression(text, [...vars.keys()], `band "${name}"`);
    const used = [...bandsOf(expr)].map((v) => [v, vars.get(v) as Source] as const);
    const first = used[0]?.[1].raster ?? rasters[0];
    if (first === undefined) throw new RasterError(`band "${name}" reads no raster`);
    for (const [, s] of used) {
      const a = first.raster.info.grid;
      const b = s.raster.raster.info.grid;
      const same = a.width === b.width && a.height === b.height && a.originX === b.originX && a.originY === b.originY && a.resX === b.resX && a.resY === b.resY && sameCrs(first.crs, s.raster.crs);
      if (!same) {
        throw new RasterError(`band "${name}" = ${text}: ${first.uri} (${a.width} x ${a.height}, origin ${a.originX}, ${a.originY}, cells ${a.resX}) and ${s.raster.uri} (${b.width} x ${b.height}, origin ${b.originX}, ${b.originY}, cells ${b.resX}) are not on the same grid; band math needs rasters on one grid (resample with gdalwarp)`);
      }
    }
    return { name, uri: `band math "${name}"`, crs: first.crs, bands: [1], nodata: undefined, raster: new BandMathReader({ ...first.raster.info, uri: `band math "${name}"`, bandCount: 1 }, expr, new Map(used)) };
  });
}

/** Reads the sources of one expression and evaluates it over windows. */
class BandMathReader implements WindowReader {
  constructor(readonly info: RasterInfo, private readonly expr: Expr, private readonly sources: ReadonlyMap<string, Source>) {}

  async prefetch(windows: readonly Window[], opts: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    for (const s of this.prefetchSources()) await s.raster.prefetch(windows, { bands: s.bands, signal: opts.signal });
  }

  prefetchSources(): { raster: WindowReader; bands: number[] }[] {
    return [...this.sources.values()].map((s) => ({ raster: s.raster.raster, bands: [s.band] }));
  }

  async readWindow(w: Window, _bands: readonly number[], opts: { signal?: AbortSignal | undefined } = {}): Promise<BandWindow[]> {
    const inputs = new Map<string, { values: Float64Array; valid: Uint8Array }>();
    for (const [v, s] of this.sources) {
      const [bw] = await s.raster.raster.readWindow(w, [s.band], { nodata: s.raster.nodata, signal: opts.signal });
      if (bw) inputs.set(v, bw);
    }
    return [{ window: w, ...evaluateWindow(this.expr, inputs, w.rows * w.cols) }];
  }
}
