/**
 * The first phase of `zonalflow stats` in the job's spatial order (job-order.ts): open the
 * features and the rasters, check the CRSs and the spec (PROJ), then read every feature, check it,
 * reproject it into each raster's CRS and spool it as a PreparedRecord sorted by its spatial key.
 * What follows (tiles, coverage, statistics) needs no PROJ and no feature reader.
 *
 * stats-job.ts runs this on a thread of its own (prepare-thread.ts); rasters on s3:// (the caller's
 * S3 client) run it in the caller's thread. On its thread, a GeoPackage is streamed instead
 * ({@link prepareOrdered}): its order is known before its features are read (R-tree or envelopes,
 * read-order.ts), so the worker threads compute the first chunks while the rest is read; PROJ's
 * WebAssembly module (~90 MB resident) and SQLite's memory then stay until the last feature is read
 * (~150 MB more peak RSS on the 100k bench). Spooled, the thread ends, freeing them, before any tile
 * is decoded.
 */
import type { OutsideFacts } from './outside-facts';
import type { S3Client } from '@aws-sdk/client-s3';
import { openFeatureSource } from '../features/open';
import type { FeatureSource } from '../features/source';
import type { Feature } from '../geometry/types';
import type { JobSpec } from '../spec';
import type { AllowedSources } from '../io/uri';
import type { CountingSource } from '../io/source.counting';
import { countInto, sumCounts } from '../io/source.counting';
import type { Crs } from '../crs/crs';
import { ensureProj } from '../crs/transform';
import { LimitError } from '../errors';
import type { IdKind, StatColumn } from '../output/table';
import { RowSorter } from '../output/sorted-runs';
import { FieldsOf, idKindOf } from './attributes';
import { checkLayerCrs, includedColumns } from './job-checks';
import { openZonalRasters } from './rasters';
import type { ZonalRaster } from './rasters';
import { openWeightsRaster, zonalOptions } from './options';
import { ZonalEngine } from './zonal';
import type { CrsNote, ZonalOptions } from './zonal';
import { jobThreads, streamedThreads } from './parallel-pipeline';
import { RECORD_FRAME, TILE_CACHE_BYTES } from './job-sizes';
import type { RasterRef } from './parallel-protocol';
import { byKey, NO_KEY, toRecords } from './job-order';
import { KeyTally } from './parallel-order';
import type { PreparedRecord } from './job-order';
import { GpkgSource } from '../features/source.gpkg';
import { byFidCacheKiB } from '../features/gpkg';
import type { LayerCentres } from '../features/gpkg-order';
import { packRecords } from './packed-records';
import type { PackedRecords } from './packed-records';
import { readOrder } from './read-order';
import type { ReadOrder } from './read-order';
import { FlatPreparer } from './prepare-flat';
import { FlatGeometries, flatChunk } from '../geometry/wkb-flat';
import { chooseTransforms, layerSample, sampleOfLayer } from './job-transforms';
import { readsColumns } from '../features/reads-columns';

/** Features read, checked and reprojected at once before spooling (one PROJ call per raster). */
const READ_CHUNK = 1000;
/**
 * Features in a stretch's first chunk when streaming (the next ones double up to the chunk size). The first chunk is
 * read, checked and reprojected while the compute thread waits, all through code not yet optimized: 1,000 features
 * took ~33 ms there, 100 ~5 ms (100k bench, 8 interleaved rounds: 2.635 -> 2.585 s median wall, rows identical).
 */
export const FIRST_CHUNK = 100;
/** Prepared features held in memory before a sorted run is spilled to disk, at least (see {@link runSize}). */
export const SPOOL_RECORDS = 5_000;
/** The sizes the main thread shares (job-sizes.ts), here too for phase 1's callers. */
export { RECORD_FRAME, TILE_CACHE_BYTES };

/**
 * Items per sorted run of a spool of `total` items merged by `streams` streams in frames of `frame`:
 * memory holds one run while spooling and streams x (total / run) x frame items while merging, least
 * when the two are equal: run = sqrt(streams x total x frame) (1M features, 2 streams: 16,000 items
 * both ways; flat in the number of features up to the square root), at least `min`.
 */
export function runSize(total: number, streams: number, frame: number, min: number): number {
  return Math.max(min, Math.ceil(Math.sqrt(Math.max(1, streams) * Math.max(0, total) * frame)));
}

/** What phase 1 needs (StatsJobOptions' part). */
export interface PrepareOptions {
  input: string;
  spec: JobSpec;
  allowed: AllowedSources;
  s3Client?: S3Client | undefined;
  requesterPays?: boolean | undefined;
  /** The user's thread count (undefined: parallel-pipeline.ts `defaultThreads`). */
  threads?: number | undefined;
  /** Prepared features held in memory before a sorted run is spilled (default {@link SPOOL_RECORDS}). */
  spoolRows?: number | undefined;
  /** Parent folder of the spool's run files (default the system's temporary folder). */
  spoolDir?: string | undefined;
  /** Features per chunk streamed in reading order (the engine's chunk; default 1000). */
  chunkSize?: number | undefined;
  /** Features of a stretch's first streamed chunk; the next ones double up to `chunkSize` (default {@link FIRST_CHUNK}). */
  firstChunk?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** What the job is, known before any feature is read (structured-cloneable: it crosses from the prepare thread). */
export interface JobHead {
  /** The included attributes' columns, then the statistics'. */
  columns: StatColumn[];
  idKind: IdKind;
  /** The features' CRS. */
  crs: Crs;
  /** Features the input declares (0 when it does not say). */
  total: number;
  /** Worker threads of the tile phase (parallel-pipeline.ts `jobThreads`). */
  threads: number;
  rasters: RasterRef[];
  weights: RasterRef | null;
  /** The engine's options without the weights raster (which `weights` names). */
  options: Omit<ZonalOptions, 'weights'>;
  crsNotes: CrsNote[];
  /** The engine's job-level warnings (an undefined CRS). */
  warnings: string[];
  /**
   * Stretches of the reading order streamed by phase 1 ({@link prepareOrdered}: one per worker thread, 1 for
   * none); 0 when the features are spooled and sorted by their windows' keys ({@link prepareJob}).
   */
  streams: number;
}

/** What phase 1 reports once every feature is spooled. */
export interface PrepareTail {
  /** Features read. */
  features: number;
  /** ms spent reading features and reprojecting them. */
  featureMs: number;
  reprojectMs: number;
  /** NULL ids, attribute values that do not fit their column. */
  warnings: string[];
  /** Bytes and requests of the rasters' headers read in this phase. */
  bytes: number;
  requests: number;
  /** Of `requests`, the reads of a local file. */
  fileReads: number;
  /** Keys cutting the spatial order into one stretch per worker thread of phase 2 (KeyTally.bounds; empty for one thread). */
  bounds: number[];
  /** Where the features touching no raster lie, per raster (outside-extent.ts): the CRS warning's facts. */
  outside: OutsideFacts[];
  /** The CRS notes once the features are seen: operations named where they lie (the head's are named at the rasters' centres when the features were spooled). */
  crsNotes: CrsNote[];
}

/** Phase 1 done in this thread: the spool, and the opened rasters and engine (reused by phase 2). */
export interface PreparedJob {
  head: JobHead;
  tail: PrepareTail;
  records: RowSorter<PreparedRecord>;
  engine: ZonalEngine;
  rasters: ZonalRaster[];
  weights: ZonalRaster | undefined;
}

/** What both kinds of phase 1 open before reading features. */
interface Opened {
  layer: FeatureSource;
  head: JobHead;
  engine: ZonalEngine;
  rasters: ZonalRaster[];
  weights: ZonalRaster | undefined;
  fields: FieldsOf;
  total: number;
  threads: number;
}

/**
 * Opens the layer (closed by the caller, also on failure: `layer` of the second argument), PROJ, the rasters; checks the
 * CRSs and the spec. `streams`: whether phase 1 will stream the layer in reading order (then, without the user's
 * `threads`, one compute thread fewer than parallel-pipeline.ts `jobThreads` gives for the layer's `count`
 * features: `stretches(count)`), called while PROJ loads; `opened`: called with the layer first.
 */
async function openJob(opts: PrepareOptions, counters: CountingSource[], held: { layer: FeatureSource | null }, streams: (layer: FeatureSource, stretches: (count: number) => number) => boolean, opened?: (layer: FeatureSource) => void): Promise<Opened> {
  const layer = await openFeatureSource(opts.input, { layer: opts.spec.input.layer, fields: readsColumns(opts.spec.input) });
  held.layer = layer;
  opened?.(layer);
  // PROJ loads (on a thread of its own when it has one) while the layer is counted and its features are placed
  // (`streams`: a pass over the table); a failure of those first leaves PROJ's promise handled, and awaited below
  const proj = ensureProj();
  proj.catch(() => undefined);
  // `streams` before the count when it places the features: its pass reads every fid, and the count is then theirs (gpkg.ts)
  const streamed = streams(layer, (count) => streamedThreads(jobThreads(opts.spec, opts.threads, count), opts.threads));
  const given = jobThreads(opts.spec, opts.threads, (await layer.count()) ?? 0);
  await proj;
  checkLayerCrs(opts.input, layer);
  const rasters = await openZonalRasters(opts.spec.rasters, { allowed: opts.allowed, s3Client: opts.s3Client, requesterPays: opts.requesterPays, wrapSource: countInto(counters), cacheBytes: TILE_CACHE_BYTES });
  const weights = await openWeightsRaster(opts.spec, { allowed: opts.allowed, s3Client: opts.s3Client, wrapSource: countInto(counters), cacheBytes: TILE_CACHE_BYTES });
  const engine = new ZonalEngine(rasters, layer.crs, zonalOptions(opts.spec, weights, opts.spec.output.geometry));
  const attrs = includedColumns(layer, opts.spec, engine.columns);
  const fields = new FieldsOf(attrs);
  const total = (await layer.count()) ?? 0;
  // an input that states no count (GeoJSON, GeoJSONSeq: 0 here) is checked as it is read instead (spoolJob)
  checkHistogramMemory(opts.spec, engine.columns, total);
  const ref = (r: ZonalRaster): RasterRef => ({ name: r.name, uri: r.uri, crs: r.crs, bands: r.bands, nodata: r.nodata });
  const { weights: _w, ...options } = engine.options;
  // reading alongside: the reading thread is busy until near the end and takes a core of its own, so by
  // default one compute thread fewer (parallel-pipeline.ts streamedThreads: its measurements)
  const threads = streamed ? streamedThreads(given, opts.threads) : given;
  const head: JobHead = {
    columns: [...attrs, ...engine.columns],
    idKind: idKindOf(layer, opts.spec.input.idColumn),
    crs: layer.crs,
    total,
    threads,
    rasters: rasters.map(ref),
    weights: weights ? ref(weights) : null,
    options,
    crsNotes: engine.crsNotes,
    warnings: [...engine.warnings],
    streams: streamed ? threads : 0,
  };
  return { layer, head, engine, rasters, weights, fields, total, threads };
}

/** The tail of phase 1 once `read` features are prepared (PROJ again, if it was released, when most features lie outside every raster: the warning's facts). */
async function tailOf(opened: Opened, opts: PrepareOptions, counters: CountingSource[], read: number, t0: number, bounds: number[]): Promise<PrepareTail> {
  const featureMs = performance.now() - t0;
  const outside = await opened.engine.outsideFacts();
  return {
    features: read,
    featureMs,
    reprojectMs: opened.engine.timings.reproject,
    warnings: opened.fields.warnings(opts.spec.input.idColumn).filter((w): w is string => w !== null),
    ...sumCounts(counters),
    bounds,
    outside,
    crsNotes: opened.engine.crsNotes,
  };
}

/**
 * Phase 1 in this thread. `onHead` gets the job's head before the first feature is read; `counters`
 * collects every source opened (the caller closes them). The layer is closed at the end.
 */
export async function prepareJob(opts: PrepareOptions, onHead: (head: JobHead) => Promise<void>, counters: CountingSource[]): Promise<PreparedJob> {
  const held: { layer: FeatureSource | null } = { layer: null };
  try {
    return await spoolJob(await openJob(opts, counters, held, () => false), opts, onHead, counters, undefined);
  } finally {
    held.layer?.close();
  }
}

/**
 * Phase 1 spooled: every feature read in input order, prepared and sorted by its window's key (job-order.ts).
 * A GeoPackage's transforms are chosen on its sample first, as when it streams (`centres`: the layer's, when
 * already read; null: it has none; undefined: read here), so a job's numbers do not depend on how phase 1 ran
 * (and Plan makes the same choice for the pipeline's Workers).
 */
async function spoolJob(opened: Opened, opts: PrepareOptions, onHead: (head: JobHead) => Promise<void>, counters: CountingSource[], centres: LayerCentres | null | undefined): Promise<PreparedJob> {
  const { layer, head, engine, rasters, weights, fields, total, threads } = opened;
  const sample = centres === undefined ? sampleOfLayer(layer) : centres !== null && orderedSource(layer) ? layerSample(layer.table, centres, layer.crs) : null;
  // PROJ's thread kept: a spooled job is small or not read alongside (the memory matters little), and a job thread
  // whose only pending work is the end of a handed-over host found its event loop empty (exit code 13)
  if (sample !== null) await chooseTransforms(engine, layer.crs, sample, false);
  await onHead(head);
  const keepGeometry = opts.spec.output.geometry === true;
  const grids = engine.processingGrids();
  const records = new RowSorter<PreparedRecord>(byKey, { runRows: opts.spoolRows ?? runSize(total, threads, RECORD_FRAME, SPOOL_RECORDS), frameRows: RECORD_FRAME, compress: false, keyOf: (r) => r.k, ...(opts.spoolDir === undefined ? {} : { dir: opts.spoolDir }) });
  // every feature's key, to give each worker thread of phase 2 its own stretch of the order (parallel-order.ts)
  const keys = new KeyTally();
  try {
    const idOptions = opts.spec.input.idColumn === undefined ? {} : { idColumn: opts.spec.input.idColumn };
    const t0 = performance.now();
    let read = 0;
    let chunk: Feature[] = [];
    const spool = async (): Promise<void> => {
      const prepared = engine.prepare(chunk);
      const recs = toRecords(chunk, prepared, fields.of(chunk), grids, read, keepGeometry);
      for (const r of recs) keys.add(r.k);
      await records.push(recs);
      read += chunk.length;
      chunk = [];
      // the count was not known up front: the guard holds for the features read so far, before any is computed
      if (total === 0) checkHistogramMemory(opts.spec, engine.columns, read, true);
    };
    for await (const f of layer.features({ ...idOptions, columns: opts.spec.input.include ?? [] })) {
      chunk.push(f);
      if (chunk.length >= READ_CHUNK) await spool();
      opts.signal?.throwIfAborted();
    }
    if (chunk.length > 0) await spool();
    const tail = await tailOf(opened, opts, counters, read, t0, threads > 1 ? keys.bounds(threads, NO_KEY) : []);
    return { head, tail, records, engine, rasters, weights };
  } catch (err) {
    await records.dispose();
    throw err;
  }
}

/** Where phase 1 in reading order hands its chunks of prepared features (prepare-worker.ts posts them to the main thread). */
export interface StretchSink {
  /** One of the stretches `open` (those with features left) that may take another chunk now: waits for the consumer when none may. */
  pick(open: readonly number[]): Promise<number>;
  /** A chunk of stretch `j`'s prepared features, in reading order. */
  push(j: number, records: PackedRecords): void;
}

/** Inputs read in reading order rather than spooled (a GeoPackage: random access by fid). */
function orderedSource(layer: FeatureSource): layer is GpkgSource {
  return layer instanceof GpkgSource;
}

/**
 * Phase 1 streamed: when the input is a GeoPackage (random access by fid), its features' order is taken
 * from where they lie (gpkg-order.ts: the R-tree or the blobs' envelopes; read-order.ts), cut into one
 * stretch per worker thread; then the features are read by fid in that order, a chunk at a time taking
 * turns between the stretches, checked, reprojected and handed to `sink` as they are: the worker threads
 * start on the first chunks while the rest is read, and nothing is spooled. `onHead` gets the head first:
 * its `streams` is 0 when the input is not a GeoPackage, or has a rowid beyond 2^53 (no centres): then the features were spooled (as
 * {@link prepareJob}) and this resolves with `records` set. The layer is closed at the end.
 */
export async function prepareOrdered(opts: PrepareOptions, onHead: (head: JobHead) => Promise<void>, counters: CountingSource[], sink: StretchSink): Promise<{ tail: PrepareTail; records?: RowSorter<PreparedRecord> }> {
  const held: { layer: FeatureSource | null } = { layer: null };
  try {
    // the centres are read before the head goes out: without them (a rowid beyond 2^53) the features are spooled
    // and ordered (read-order.ts) for the stretches of the threads that will compute, while PROJ loads (openJob)
    const where: { centres: LayerCentres | null; order: ReadOrder | null } = { centres: null, order: null };
    const opened = await openJob(opts, counters, held, (layer, stretches) => {
      if (!orderedSource(layer)) return false;
      where.centres = layer.table.centres();
      if (where.centres !== null) where.order = readOrder(where.centres.cx, where.centres.cy, stretches(where.centres.fids.length));
      return where.centres !== null;
    }, (layer) => {
      // a larger page cache for reading by fid out of file order (gpkg.ts byFidCacheKiB), set before the count, the
      // centres and the features read the table: a file of up to 24 MiB is then read once (100k fields: 72,000
      // page reads -> 4,440), a larger one through 8 MiB instead of SQLite's 2
      if (orderedSource(layer)) layer.table.pageCache(byFidCacheKiB(layer.table.fileBytes()));
    });
    let centres = where.centres;
    const order = where.order;
    where.centres = null;
    where.order = null;
    if (opened.head.streams === 0 || centres === null || order === null) {
      const job = await spoolJob(opened, opts, onHead, counters, centres);
      return { tail: job.tail, records: job.records };
    }
    const { layer, head, engine, fields } = opened;
    if (!orderedSource(layer)) throw new Error('unreachable: streams without a GeoPackage');
    const table = layer.table;
    // each raster's transform chosen on points of this layer (proj4js where it matches PROJ), PROJ's thread ended when none needs it
    await chooseTransforms(engine, layer.crs, layerSample(table, centres, layer.crs));
    await onHead(head);
    const t0 = performance.now();
    const fids = centres.fids;
    // the centres are not needed once ordered: 16 bytes a feature freed for the rest of the job (16 MB at 1M features)
    centres = null;
    const keepGeometry = opts.spec.output.geometry === true;
    const idOptions = opts.spec.input.idColumn === undefined ? {} : { idColumn: opts.spec.input.idColumn };
    const columns = opts.spec.input.include ?? [];
    const chunkSize = Math.max(1, Math.floor(opts.chunkSize ?? READ_CHUNK));
    const firstChunk = Math.max(1, Math.floor(opts.firstChunk ?? FIRST_CHUNK));
    let read = 0;
    const flat = new FlatGeometries();
    const preparer = new FlatPreparer(engine);
    const ends = [...order.starts.slice(1), order.order.length];
    const at = [...order.starts];
    const taken = order.starts.map(() => 0);
    for (;;) {
      const open = at.flatMap((a, j) => (a < (ends[j] as number) ? [j] : []));
      if (open.length === 0) break;
      const j = await sink.pick(open);
      opts.signal?.throwIfAborted();
      const from = at[j] as number;
      // a stretch's first chunks grow from `firstChunk` features, doubling up to chunkSize: the compute thread starts
      // on a small first chunk instead of waiting while a full one is read through cold code
      const size = Math.min(chunkSize, firstChunk * 2 ** (taken[j] as number));
      taken[j] = (taken[j] as number) + 1;
      const to = Math.min(ends[j] as number, from + size);
      at[j] = to;
      const positions = order.order.subarray(from, to);
      const chunkFids = Array.from(positions, (p) => fids[p] as number);
      // flat geometries (no GeoJSON arrays per position); a chunk the flat path leaves (a collection, an
      // unreadable blob, a crossing of the antimeridian) is read and prepared as GeoJSON-shaped features
      const chunk = flatChunk(flat, chunkFids.length);
      const flatFeatures = table.flatFeaturesAt(chunkFids, { ...idOptions, columns }, chunk);
      // each feature's fields taken once (FieldsOf counts the misfits and NULL ids)
      const chunkFields = flatFeatures && fields.of(flatFeatures, positions);
      const packed = flatFeatures && chunkFields && preparer.pack(flatFeatures, chunk, chunkFields, positions, keepGeometry);
      if (packed) {
        sink.push(j, packed);
      } else {
        const features = table.featuresAt(chunkFids, { ...idOptions, columns });
        sink.push(j, packRecords(features, engine.prepare(features), chunkFields ?? fields.of(features, positions), positions, keepGeometry));
      }
      read += chunkFids.length;
    }
    return { tail: await tailOf(opened, opts, counters, read, t0, []) };
  } finally {
    held.layer?.close();
  }
}

/** The layer's CRS check, shared with estimate (job-checks.ts); exported here too for the callers that import it from here. */
export { checkLayerCrs };

/**
 * A guard on the table's size (rows now stream to the output; the limit was set when they were all held): features x histogram bins x histogram
 * columns must stay under limits.maxHistogramCounts, refused up front with both figures otherwise.
 */
function checkHistogramMemory(spec: JobSpec, columns: readonly StatColumn[], features: number, atLeast = false): void {
  const histograms = columns.filter((c) => c.kind === 'histogram').length;
  if (histograms === 0) return;
  const bins = spec.histogram?.bins ?? 10;
  const counts = features * bins * histograms;
  if (counts > spec.limits.maxHistogramCounts) {
    throw new LimitError(`${atLeast ? 'at least ' : ''}${features} features x ${bins} histogram bins x ${histograms} histogram column(s) = ${counts} counts held in memory, over limits.maxHistogramCounts (${spec.limits.maxHistogramCounts}); lower histogram.bins or split the input`);
  }
}
