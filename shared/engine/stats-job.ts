/**
 * An in-process job (`zonalflow stats`): a GeoPackage and the spec's rasters
 * in, the result rows and a summary out. No pipeline, no AWS: the same engine
 * the Lambda worker runs.
 *
 * `streamStatsJob` hands each chunk's rows to a RowConsumer as soon as the
 * chunk is computed and keeps only counts (memory flat in the number of
 * features: the CLI streams them into its output sink); `runStatsJob` collects
 * them into one table for callers that want it whole (tests, benchmarks).
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { JobSpec } from '../spec';
import type { AllowedSources } from '../io/uri';
import type { CountingSource } from '../io/source.counting';
import { countInto, sumCounts } from '../io/source.counting';
import { parseStatNames } from '../stats/names';
import { featureFailure, MAX_LISTED_FAILURES } from '../output/table';
import type { FeatureFailure, IdKind, ResultRow, StatColumn, TableOptions } from '../output/table';
import { withFeatureFields } from './attributes';
import { asTempSpaceError } from './temp-space';
import { ZonalEngine } from './zonal';
import type { CrsNote, ZonalTimings } from './zonal';
import type { Crs } from '../crs/crs';
import { ensureProj } from '../crs/transform';
import { takeEarlyProjHost } from './early-proj';
import { discardEarlyPrepareThread } from './early-prepare';
import { useProjThread } from './proj-thread';
import { outsideWarning } from './crs-check';
import type { SlotStats } from './timeseries';
import { ZonalflowError } from '../errors';
import { DuplicateIds, missingId } from './duplicate-ids';
import type { DuplicateIdsReport } from './duplicate-ids';
import { ParallelZonal } from './parallel';
import type { ParallelTotals } from './parallel';
import { chunkPipeline } from './parallel-pipeline';
// phase 1's code (feature readers, SQLite) is loaded only where this thread runs it: import('./prepare-job')
import { RECORD_FRAME, TILE_CACHE_BYTES } from './job-sizes';
import type { JobHead, PreparedJob, PrepareTail } from './prepare-job';
import { prepareOnThread } from './prepare-thread';
import type { PrepareOutcome } from './prepare-thread';
import { inputOfPacked, inputOfRecords } from './packed-records';
import type { MeasureInput } from './packed-records';
import type { RasterRef } from './parallel-protocol';
import type { ZonalRaster } from './rasters';
import { openSource } from '../io/uri';
import { openRaster } from '../raster/cog';
import { RowSorter } from '../output/sorted-runs';
import { InputOrderSpool } from '../output/input-order';
import { byKey } from './job-order';
import type { PreparedRecord } from './job-order';
import { RowEncoder, rowReader } from './row-codec';

/** Rows per chunk handed to the consumer (at most chunkSize). */
const ROW_FRAME = 256;
/** Bytes of encoded rows held in memory before they are appended to the job's spill file (input-order.ts; 100k case: ~8 MB in all). */
const ROW_SPOOL_BYTES = 16 * 1024 * 1024;

/** Progress of a running job. */
export interface Progress { done: number; failed: number; total: number }

/** Where a job's rows go, chunk by chunk, in input order. */
export interface RowConsumer {
  /**
   * Called once before any rows with the table's columns (included attributes, then statistics),
   * the id column's type and the features' CRS (rows carry geometry in it when the spec's
   * `output.geometry` is set); also for an empty layer.
   */
  begin(columns: readonly StatColumn[], table?: Required<TableOptions> & { crs?: Crs | undefined }): Promise<void>;
  /** One chunk's rows; for a time series also each feature's statistics by interval, by fid. */
  rows(rows: readonly ResultRow[], byFeature?: ReadonlyMap<number, readonly SlotStats[]>): Promise<void>;
}

/** What a finished streamed job reports (the rows went to the consumer). */
export interface StreamedStatsJob {
  /** The included attributes' columns, then the statistics'. */
  columns: StatColumn[];
  /** The id column's type (integer when the input declares the id column so). */
  idKind: IdKind;
  summary: StatsSummary;
  /** Time series: the scenes the STAC search returned. */
  scenes?: number;
}

/** What a finished in-process job reports, with its rows collected. */
export interface StatsJobResult extends StreamedStatsJob {
  rows: ResultRow[];
  /** Time series: each feature's statistics by interval (Sentinel Hub-style JSON is built from it). */
  timeseries?: Map<number, SlotStats[]>;
}

/** Failures listed in a summary (the first ones met); `failed` counts them all. */
export { MAX_LISTED_FAILURES };

/** The figures of a finished job (also the local part of `summary.json`). */
export interface StatsSummary {
  features: number;
  done: number;
  failed: number;
  /** The first MAX_LISTED_FAILURES failed features, in input order (`failed` counts them all; the output's `error` column has every one). */
  failures: FeatureFailure[];
  /** Features whose id an earlier feature already had (counted by a 64-bit hash of each id: duplicate-ids.ts); NULL ids are not ids and never count. */
  duplicateIds: number;
  /** The repeated ids: how many, and the first few with their features' counts (duplicate-ids.ts; absent for time series). */
  repeatedIds?: DuplicateIdsReport;
  seconds: number;
  /** Engine timings (ms) plus `features`: ms spent reading the GeoPackage, `decode`: decompressing tiles (inside prefetch/read). */
  timings: ZonalTimings & { features: number; decode?: number };
  bytesRead: number;
  /** Raster reads: every fetch of a byte source, HTTP and S3 requests and local file reads alike. */
  requests: number;
  /** Of `requests`, the reads of a local file (the rest are HTTP or S3 requests). */
  fileReads: number;
  /** Job-level warnings: an undefined CRS, most features outside every raster (a CRS that may be wrong). */
  warnings?: string[];
  /** Per raster: the features' CRS, the raster's, and the coordinate operation PROJ applies between them. */
  crs?: CrsNote[];
}

/** Options of an in-process job. */
export interface StatsJobOptions {
  /** Path of the GeoPackage. */
  input: string;
  spec: JobSpec;
  allowed: AllowedSources;
  s3Client?: S3Client;
  /** Default of the rasters' `requesterPays` (AWS_REQUEST_PAYER=requester). */
  requesterPays?: boolean;
  /** Features per engine chunk (tiles are prefetched per chunk; default 1000; with worker threads, each thread gets whole chunks of its own stretch of the spatial order). */
  chunkSize?: number;
  /** Features of a stretch's first chunk when the features are streamed in reading order (prepare-job.ts FIRST_CHUNK; for tests). */
  firstChunk?: number;
  /**
   * Worker threads computing tile decoding, coverage and statistics (parallel.ts); 1 computes in this
   * thread. Default: parallel-pipeline.ts `defaultThreads` (the available cores, at most 8, at most one per
   * 2000 features). Rasters on s3:// are always computed in this thread.
   */
  threads?: number;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /**
   * Prepared features held in memory before a sorted run of the job's spatial order is spilled to a temporary file (job-order.ts; default prepare-job.ts `runSize`: at least 5,000
   * features, growing with the square root of the feature count). Given, the computed rows are also
   * spilled at every chunk, in buckets of this many input positions (input-order.ts; tests); by default
   * they are held up to 16 MiB of encoded rows.
   */
  spoolRows?: number;
  /**
   * Phase 1 (reading, PROJ, spooling) on a thread of its own that ends before tiles are decoded
   * (prepare-thread.ts; default: for inputs of 4 MiB or more; never when a raster is on s3://).
   */
  prepareThread?: boolean;
  /**
   * How phase 1 on its thread orders the features. 'read' (default with more than one core): a GeoPackage's order is known before its
   * features are read (its R-tree, else its blobs' envelopes: read-order.ts), so they are read by fid in that
   * order and streamed to the worker threads as they are prepared (phase 1 runs alongside phase 2; PROJ stays
   * loaded until the last feature is read). 'spool': every feature read first, then sorted by its window's
   * key (job-order.ts), as inputs of other formats always are.
   */
  order?: 'read' | 'spool';
}

/** Runs a whole job in this process and collects its rows (and time series) into one result. */
export async function runStatsJob(opts: StatsJobOptions): Promise<StatsJobResult> {
  const rows: ResultRow[] = [];
  let timeseries: Map<number, SlotStats[]> | undefined;
  const done = await streamStatsJob(opts, {
    begin: () => Promise.resolve(),
    rows: (chunk, byFeature) => {
      for (const r of chunk) rows.push(r);
      if (byFeature) {
        timeseries ??= new Map();
        for (const [fid, slots] of byFeature) timeseries.set(fid, [...slots]);
      }
      return Promise.resolve();
    },
  });
  if (opts.spec.stac) timeseries ??= new Map();
  return { ...done, rows, ...(timeseries ? { timeseries } : {}) };
}

/**
 * Runs a whole job in this process and streams its rows to `consumer` in input order. A zonal job
 * runs in the job's spatial order (job-order.ts): 1. every feature read, checked, reprojected and
 * spooled by its spatial key (prepare-job.ts; on a thread of its own, prepare-thread.ts, which takes
 * PROJ's and the feature reader's memory with it when it ends; in this thread when a raster is on
 * s3://), or, for a GeoPackage on that thread, read by fid in the order of its R-tree or envelopes
 * (read-order.ts) and streamed to 2. as it is prepared (`order`); 2. computed in that order, consecutive
 * chunks touching few tiles, so that a small tile cache decodes each tile about once; 3. the rows sorted
 * back into input order and streamed, chunk by chunk. Memory stays flat in the number of features (the spools spill to a temporary folder).
 * A time series (`spec.stac`) reads and computes chunk by chunk in input order.
 */
export async function streamStatsJob(opts: StatsJobOptions, consumer: RowConsumer): Promise<StreamedStatsJob> {
  // an untyped ENOSPC / EDQUOT of the job's own temporary files is a full $TMPDIR; the consumer's (the output's) errors pass as they are
  const fromConsumer = new WeakSet<object>();
  const mark = (err: unknown): never => {
    if (typeof err === 'object' && err !== null) fromConsumer.add(err);
    throw err;
  };
  const guarded: RowConsumer = {
    begin: (columns, table) => consumer.begin(columns, table).catch(mark),
    rows: (rows, byFeature) => consumer.rows(rows, byFeature).catch(mark),
  };
  try {
    return await streamJob(opts, guarded);
  } catch (err) {
    throw typeof err === 'object' && err !== null && fromConsumer.has(err) ? err : asTempSpaceError(err);
  }
}

async function streamJob(opts: StatsJobOptions, consumer: RowConsumer): Promise<StreamedStatsJob> {
  const t0 = performance.now();
  parseStatNames(opts.spec.stats); // unknown names fail before any file is opened
  // PROJ already loading on a host thread since process start (early-proj.ts), for whichever thread uses PROJ
  const early = takeEarlyProjHost();
  if (opts.spec.stac) {
    discardEarlyPrepareThread();
    if (early) useProjThread(early);
    // the time series' own code is loaded for one only (timeseries-job.ts)
    return (await import('./timeseries-job')).streamTimeseriesJob(opts, consumer, t0);
  }
  // every source the job opens, counted, and closed at the end (file handles)
  const counters: CountingSource[] = [];
  // the spatial order's spools (temporary files removed at the end, also after a failure)
  const spools: { dispose(): Promise<void> }[] = [];
  // the worker threads of phase 2, spawned once phase 1 knows the job
  const held: { pool: ParallelZonal | null } = { pool: null };
  // the job's temporary folder: both spools' run files, removed whole at the end (also when an abort ends the prepare thread)
  const spoolDir = await mkdtemp(join(tmpdir(), 'zonalflow-job-'));
  try {
    const onS3 = [...opts.spec.rasters, ...(opts.spec.weights ? [opts.spec.weights] : [])].some((r) => /^s3:\/\//i.test(r.uri));
    let head: JobHead | null = null;
    const begin = async (h: JobHead): Promise<void> => {
      head = h;
      // worker threads load their code while the features are read
      held.pool = h.threads > 1 ? ParallelZonal.spawn(h.threads) : null;
      // rows with geometries: the consumer writes their CRS (PROJJSON, PROJ's); PROJ stays out of this thread otherwise
      if (opts.spec.output.geometry) await ensureProj();
      await consumer.begin(h.columns, { idKind: h.idKind, crs: h.crs });
    };
    const request = { input: opts.input, spec: opts.spec, allowed: opts.allowed, requesterPays: opts.requesterPays, threads: opts.threads, spoolRows: opts.spoolRows, spoolDir };
    // the spool of phase 1 (null when phase 1 streams its reading order) and its tail (known at once, or once the streams end)
    let records: RowSorter<PreparedRecord> | null = null;
    let tail: PrepareTail | Promise<PrepareTail>;
    let streamed: Extract<PrepareOutcome, { kind: 'streams' }> | null = null;
    let inThread: PreparedJob | null = null;
    if (onS3 || !(opts.prepareThread ?? worthAThread(opts.input))) {
      // a prepare thread started at process start on a guess from the command line (early-prepare.ts) ends unused
      discardEarlyPrepareThread();
      if (early) useProjThread(early);
      const { prepareJob } = await import('./prepare-job');
      inThread = await prepareJob({ ...request, s3Client: opts.s3Client, signal: opts.signal }, begin, counters);
      records = inThread.records;
      tail = inThread.tail;
    } else {
      // one core: reading alongside computing saves nothing and keeps PROJ loaded throughout
      const order = opts.order ?? (availableParallelism() > 1 ? 'read' : 'spool');
      const done = await prepareOnThread({ ...request, chunkSize: opts.chunkSize, firstChunk: opts.firstChunk, stream: order === 'read' }, begin, opts.signal, early);
      if (done.kind === 'spilled') {
        records = RowSorter.fromRuns(byKey, done.spilled, { frameRows: RECORD_FRAME, compress: false, keyOf: (r) => r.k });
        tail = done.tail;
      } else {
        streamed = done;
        tail = done.tail;
        spools.push({ dispose: () => done.close() });
      }
    }
    if (records) spools.push(records);
    const job = head as JobHead | null;
    if (job === null) throw new ZonalflowError('WORKER_FAILED', 'phase 1 of the job ended without describing the job');
    // 2. the rasters again in this thread (no PROJ: their CRSs were resolved in phase 1)
    const rasters = inThread?.rasters ?? await Promise.all(job.rasters.map((r) => reopenRaster(r, opts, counters)));
    const weights = inThread ? inThread.weights : job.weights ? await reopenRaster(job.weights, opts, counters) : undefined;
    const engine = inThread?.engine ?? new ZonalEngine(rasters, job.crs, { ...job.options, weights }, 'measure');
    const workers = held.pool;
    workers?.start(engine, rasters, weights, { allowed: opts.allowed, cacheBytes: TILE_CACHE_BYTES });
    const chunkSize = opts.chunkSize ?? 1000;
    const rowFrame = Math.min(chunkSize, ROW_FRAME);
    // rows come back in the spatial order and are placed by input position (input-order.ts), as compact bytes (row-codec.ts)
    // (a given spoolRows, for tests: every chunk's rows spilled, in buckets of that many positions)
    const small = opts.spoolRows === undefined ? { memoryBytes: ROW_SPOOL_BYTES } : { memoryBytes: 1, bucketRows: opts.spoolRows };
    const rows = new InputOrderSpool({ expected: job.total, frameRows: rowFrame, dir: spoolDir, ...small });
    spools.push(rows);
    const encoder = new RowEncoder();
    let computed = 0;
    let failed = 0;
    // each worker thread walks its own stretch of the spatial order (equal feature counts, cut at key
    // bounds), so no two workers decode the same tiles but those on the stretches' borders; one thread: all of it
    const walk = async (inputs: AsyncIterable<MeasureInput>, j: number): Promise<void> => {
      // everything is taken from the records before the chunk is measured, and they are not held while it is
      // (a chunk in flight would otherwise keep its records, geometries and all, alive into the old generation).
      // Two chunks in flight, also on this thread alone: the next chunk's tiles are read and inflate on libuv's
      // pool while this one computes, and its features whose tiles are ready are computed while this one waits
      // for a tile, where one chunk at a time left this thread idle at each chunk's start (100k bench, 8
      // interleaved rounds: 2.90 -> 2.78 s median, rows identical; bench/HISTORY.md 2026-12-03)
      const pipe = chunkPipeline<MeasureInput>(async ({ features, prepared, encoded, fields }) => {
        let out: ResultRow[];
        if (workers) out = await workers.computeOn(j, features, prepared, opts.signal, encoded);
        else {
          out = await engine.measure(features, prepared, opts.signal);
          engine.account(out, prepared.touched, features);
        }
        return fields ? withFeatureFields(out, fields) : out;
      }, 2);
      // the input positions of the chunks in flight, in the order they were pushed (the pipeline's order)
      const positions: number[][] = [];
      const take = async (last: boolean): Promise<void> => {
        for (const out of await pipe.take(last)) {
          const at = positions.shift() ?? [];
          out.forEach((r, k) => encoder.write(at[k] ?? -1, r));
          await rows.push(encoder.take());
          computed += out.length;
          for (const r of out) if (r.error !== null) failed++;
          opts.onProgress?.({ done: computed, failed, total: job.total });
        }
      };
      for await (const input of inputs) {
        pipe.push(input);
        positions.push(input.positions);
        await take(false);
        opts.signal?.throwIfAborted();
      }
      await take(true);
    };
    const local = workers === null;
    let streams: AsyncIterable<MeasureInput>[];
    // a worker gets the geometries as they were encoded (never rebuilt here)
    if (streamed) streams = streamed.streams.map((stream) => mapStream(stream, (p) => inputOfPacked(p, local)));
    else if (records) streams = (workers ? await records.sortedRanges((await tail).bounds) : [records.sorted()]).map((stream) => mapStream(batches(stream, chunkSize), (recs) => inputOfRecords(recs, local)));
    else throw new ZonalflowError('WORKER_FAILED', 'phase 1 of the job ended without its features');
    await Promise.all(streams.map((stream, j) => walk(stream, j)));
    await records?.dispose();
    // phase 1 has ended (a streamed one once every feature is read)
    const phase1 = await tail;
    // the worker threads end before the rows go out (their tile caches and heaps are not needed any more)
    const totals = workers ? await workers.close() : null;
    // 3. input order again
    const tally = new Tally(rows.count);
    for await (const out of rows.sorted(rowReader)) {
      tally.add(out);
      await consumer.rows(out);
      opts.signal?.throwIfAborted();
    }
    const timings = withWorkers(engine.timings, totals);
    // the rasters read on this thread, on the worker threads and (when the features were prepared on a prepare thread) there
    const read = sumCounts(counters, totals, inThread ? null : phase1);
    if (!inThread) timings.reproject += phase1.reprojectMs;
    return {
      columns: job.columns,
      idKind: job.idKind,
      summary: {
        features: tally.rows,
        done: tally.rows - tally.failed,
        failed: tally.failed,
        failures: tally.failures,
        ...((): { duplicateIds: number; repeatedIds: DuplicateIdsReport } => {
          const repeatedIds = tally.ids.report();
          return { duplicateIds: repeatedIds.duplicates, repeatedIds };
        })(),
        seconds: (performance.now() - t0) / 1000,
        timings: { ...timings, features: phase1.featureMs, decode: [...rasters, ...(weights ? [weights] : [])].reduce((a, r) => a + r.raster.decodeMs, 0) + (totals?.decodeMs ?? 0) },
        bytesRead: read.bytes,
        requests: read.requests,
        fileReads: read.fileReads,
        warnings: [...job.warnings, ...[outsideWarning(engine.outsideFids.size, engine.featuresComputed, job.crsNotes[0]?.features ?? job.crs.name, phase1.outside)].filter((w): w is string => w !== null), ...phase1.warnings],
        crs: phase1.crsNotes,
      },
    };
  } finally {
    await held.pool?.terminate();
    await Promise.all(spools.map((sp) => sp.dispose()));
    await rm(spoolDir, { recursive: true, force: true });
    await Promise.all(counters.map((c) => c.close()));
  }
}

/** The items of `stream` through `fn`. */
async function* mapStream<T, U>(stream: AsyncIterable<T>, fn: (t: T) => U): AsyncGenerator<U> {
  for await (const t of stream) yield fn(t);
}

/** The records of `stream` (frames of any size) in chunks of `size` (the last one shorter). */
async function* batches(stream: AsyncIterable<PreparedRecord[]>, size: number): AsyncGenerator<PreparedRecord[]> {
  let batch: PreparedRecord[] = [];
  for await (const frame of stream) {
    for (const rec of frame) {
      batch.push(rec);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** Inputs below this size are prepared in this thread: a thread costs ~0.3 s (it loads PROJ), and their PROJ and reader memory is what any job has. */
export const PREPARE_THREAD_MIN_BYTES = 4 * 1024 * 1024;

/** Whether phase 1 of a job on `input` goes to a thread of its own (a large file; a path that cannot be read fails here, with its message). */
function worthAThread(input: string): boolean {
  try {
    return statSync(input).size >= PREPARE_THREAD_MIN_BYTES;
  } catch {
    return false;
  }
}

/** A raster phase 1 opened, opened again in this thread by URI (its CRS as phase 1 resolved it). */
async function reopenRaster(ref: RasterRef, opts: StatsJobOptions, counters: CountingSource[]): Promise<ZonalRaster> {
  // a local file keeps one handle for the job (closed with the counters at the end, also after a failure)
  const source = countInto(counters)(openSource(ref.uri, { allowed: opts.allowed, s3Client: opts.s3Client, requesterPays: opts.requesterPays, keepOpen: true }));
  const raster = await openRaster(source, { cacheBytes: TILE_CACHE_BYTES });
  return { name: ref.name, uri: ref.uri, crs: ref.crs, bands: ref.bands, nodata: ref.nodata, raster };
}

/** This thread's timings plus the worker threads' (reprojection is this thread's; reading, coverage and statistics theirs). */
function withWorkers(mine: ZonalTimings, totals: ParallelTotals | null): ZonalTimings {
  if (totals === null) return { ...mine };
  const out = { ...mine };
  for (const k of Object.keys(out) as (keyof ZonalTimings)[]) out[k] += totals.timings[k];
  return out;
}

/** Counts of the rows streamed so far: rows, failures (the first MAX_LISTED_FAILURES listed), ids for duplicates (NULL ids left out). */
class Tally {
  rows = 0;
  failed = 0;
  readonly failures: FeatureFailure[] = [];
  readonly ids: DuplicateIds;

  constructor(expected?: number) {
    this.ids = new DuplicateIds(expected);
  }

  add(rows: readonly ResultRow[]): void {
    for (const r of rows) {
      this.rows++;
      // a NULL id (its own warning, written null) is no id: never a duplicate of another NULL id
      if (!missingId(r)) this.ids.add(r.id);
      if (r.error === null) continue;
      this.failed++;
      if (this.failures.length < MAX_LISTED_FAILURES) this.failures.push(featureFailure(r, r.error));
    }
  }
}
