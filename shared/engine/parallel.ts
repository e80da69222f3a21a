/**
 * The zonal engine on several worker threads (`zonalflow stats --threads N`).
 * The features are read, checked and reprojected into each raster's CRS before
 * any worker computes (PROJ stays out of the workers: it is a large WASM
 * module), and sorted into the job's spatial order (job-order.ts); each worker
 * gets its own stretch of that order (stats-job.ts). Each worker
 * (parallel-worker.ts) reads and decodes the tiles of its stretch, computes
 * coverage and statistics with the same engine code as one thread, and sends
 * the rows back; they are put back in input order. A feature's statistics
 * depend only on the feature and the rasters, so the rows equal one thread's
 * whatever the number of workers (a test compares every value).
 */
import { Worker } from 'node:worker_threads';
import type { ResourceLimits, TransferListItem } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sumCounts } from '../io/source.counting';
import type { AllowedSources } from '../io/uri';
import type { ResultRow } from '../output/table';
import { SourceError, ZonalflowError } from '../errors';
import type { EngineFeature, PreparedChunk, ZonalEngine, ZonalTimings } from './zonal';
import type { ZonalRaster } from './rasters';
import { packWindows, unpackValues } from './parallel-pack';
import type { EncodedGeometries } from './parallel-pack';
import type { MeasureRequest, RasterRef, WorkerFailure, WorkerInit, WorkerReply } from './parallel-protocol';

/** What the workers did, summed (for the job summary). */
export interface ParallelTotals { timings: ZonalTimings; decodeMs: number; bytes: number; requests: number; fileReads: number }

/** Options of the workers' job. */
export interface ParallelOptions {
  allowed: AllowedSources;
  /** Decoded-tile cache per raster in each worker (bytes); default the raster's own. */
  cacheBytes?: number | undefined;
}

interface Pending { resolve: (rows: ResultRow[]) => void; reject: (err: Error) => void; features: readonly Pick<EngineFeature, 'fid' | 'fidText' | 'id'>[] }

/** The worker threads of one job, measuring chunks the main thread prepares. */
export class ParallelZonal {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | null = null;
  private closing: Promise<ParallelTotals> | null = null;

  private engine: ZonalEngine | null = null;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (m: WorkerReply) => this.onReply(m));
      w.on('error', (err) => this.fail(err instanceof Error ? err : new Error(String(err))));
      w.on('exit', (code) => {
        if (code !== 0 && this.closing === null) this.fail(new ZonalflowError('WORKER_FAILED', `a zonal worker thread exited with code ${code}`));
      });
    }
  }

  /** Starts `threads` worker threads: they load their code, then wait for {@link start}. */
  static spawn(threads: number): ParallelZonal {
    return new ParallelZonal(Array.from({ length: Math.max(1, threads) }, () => startWorker()));
  }

  /**
   * Gives the workers the job: the rasters the main thread's `engine` was built on (reopened in each
   * worker by URI: local files and http(s) URLs; s3:// needs one thread) and its options. Once, before
   * {@link computeOn}.
   */
  start(engine: ZonalEngine, rasters: readonly ZonalRaster[], weights: ZonalRaster | undefined, opts: ParallelOptions): void {
    const ref = (r: ZonalRaster): RasterRef => ({ name: r.name, uri: r.uri, crs: r.crs, bands: r.bands, nodata: r.nodata });
    const { weights: _w, ...options } = engine.options;
    const init: WorkerInit = { rasters: rasters.map(ref), weights: weights ? ref(weights) : null, options: { ...options, keepGeometry: false }, allowed: opts.allowed, cacheBytes: opts.cacheBytes };
    this.engine = engine;
    for (const w of this.workers) w.postMessage({ kind: 'init', init });
  }

  /** The number of worker threads. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Statistics of a prepared chunk, all of it computed by worker `j` (0 <= j < size): the job gives each
   * worker its own stretch of the spatial order (stats-job.ts), so that no two workers decode the same
   * tiles. One row per feature, in the chunk's order.
   */
  async computeOn(j: number, features: readonly EngineFeature[], prepared: PreparedChunk, signal: AbortSignal | undefined, encoded: readonly EncodedGeometries[]): Promise<ResultRow[]> {
    if (this.failure) throw this.failure;
    signal?.throwIfAborted();
    const engine = this.engine;
    if (engine === null) throw new ZonalflowError('WORKER_FAILED', 'the worker threads were not given a job (ParallelZonal.start)');
    if (!(j >= 0 && j < this.workers.length)) throw new ZonalflowError('WORKER_FAILED', `no worker thread ${j} (of ${this.workers.length})`);
    const rows = features.length === 0 ? [] : await this.send(j, features, prepared, encoded);
    engine.account(rows, prepared.touched, features);
    return rows;
  }

  /** Asks every worker for its totals and lets them end; call once, after the last chunk. */
  close(): Promise<ParallelTotals> {
    this.closing ??= Promise.all(this.workers.map((w) => new Promise<Extract<WorkerReply, { kind: 'closed' }>>((resolve, reject) => {
      w.on('message', (m: WorkerReply) => {
        if (m.kind === 'closed') resolve(m);
      });
      w.once('error', reject);
      w.postMessage({ kind: 'close' });
    }))).then((all) => {
      const timings: ZonalTimings = { prefetch: 0, coverage: 0, read: 0, stats: 0, reproject: 0, cells: 0 };
      for (const t of all) for (const k of Object.keys(timings) as (keyof ZonalTimings)[]) timings[k] += t.timings[k];
      return { timings, decodeMs: all.reduce((a, t) => a + t.decodeMs, 0), ...sumCounts(all) };
    });
    return this.closing;
  }

  /** Stops every worker at once (after a failure). */
  async terminate(): Promise<void> {
    this.closing ??= Promise.reject(new Error('terminated'));
    this.closing.catch(() => undefined);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Sends a chunk to worker `j`: per raster, its geometries as the job's spool encoded them (`encoded`), windows and errors. */
  private send(j: number, features: readonly EngineFeature[], prepared: PreparedChunk, encoded: readonly EncodedGeometries[]): Promise<ResultRow[]> {
    const seq = this.seq++;
    const part = features.map((f) => (f.fidText === undefined ? { fid: f.fid, id: f.id } : { fid: f.fid, id: f.id, fidText: f.fidText }));
    const request: MeasureRequest = {
      kind: 'measure',
      seq,
      features: part,
      prepared: {
        problems: [...prepared.problems],
        touched: [...prepared.touched],
        perRaster: prepared.perRaster.map((p, k) => {
          const geometries = encoded[k];
          if (geometries === undefined) throw new ZonalflowError('WORKER_FAILED', `no encoded geometries for raster ${k}`);
          return { geometries, windows: packWindows(p.windows), errors: [...p.errors] };
        }),
      },
    };
    const buffers = request.prepared.perRaster.flatMap((p) => [p.geometries.data.buffer, p.geometries.starts.buffer, p.windows.buffer]).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    return new Promise<ResultRow[]>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject, features: part });
      this.workers[j]?.postMessage(request, buffers);
    });
  }

  private onReply(m: WorkerReply): void {
    if (m.kind === 'rows' || m.kind === 'values') {
      const p = this.pending.get(m.seq);
      this.pending.delete(m.seq);
      if (p === undefined) return;
      if (m.kind === 'rows') p.resolve(m.rows);
      else if (m.values.errors.length !== p.features.length) p.reject(new ZonalflowError('WORKER_FAILED', `a zonal worker answered ${m.values.errors.length} rows for ${p.features.length} features`));
      else p.resolve(unpackValues(m.values, p.features));
    } else if (m.kind === 'failed') {
      const err = rebuild(m.error);
      if (m.seq === null) this.fail(err);
      else {
        this.pending.get(m.seq)?.reject(err);
        this.pending.delete(m.seq);
      }
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** A worker's error as a typed error of this thread (same code and message). */
function rebuild(f: WorkerFailure): Error {
  if (f.name === 'SourceError' || f.status !== undefined) return new SourceError(f.message, f.status === undefined ? {} : { status: f.status });
  if (f.code !== null) return new ZonalflowError(f.code, f.message);
  const e = new Error(f.message);
  e.name = f.name;
  return e;
}

/**
 * V8 heap limits of a worker: an 8 MB young generation (V8's default is 16 MB semi-spaces, up to ~48 MB per
 * isolate; a worker's garbage is short-lived chunk data and every isolate's young generation counts in the
 * process's resident memory: 100k case, 2 threads, ~75 MB less peak RSS, the same CPU time within noise).
 */
export const WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 8 };

/**
 * V8 heap limits of the prepare thread (prepare-thread.ts): WORKER_LIMITS and a 1 GiB old generation. Not
 * to bound it (a chunk of features needs what it needs; V8's default is ~25% of the machine's memory) but
 * because V8 lets an isolate's old generation grow to 4x what survived its last full collection only when
 * its limit is 2 GiB or more, and by 1.3x-2x below (heap-controller.cc MaxGrowingFactor): the prepare
 * thread, which lives through phase 2 and keeps ~24 MB alive, grew to ~110 MB of mostly garbage. 100k
 * case, 2 threads, under load: ~60 MB less peak RSS (491-502 -> 434-437 MB), CPU seconds the same within
 * noise (6.5 -> 6.5-6.8; 512 MiB: 411-423 MB). The zonal workers keep V8's default: their heaps are small
 * and the same limit costs them ~0.5 CPU s.
 */
export const PREPARE_LIMITS: ResourceLimits = { ...WORKER_LIMITS, maxOldGenerationSizeMb: 1024 };

/**
 * Starts one worker: the compiled bundle's `parallel-worker.mjs` (dist/, next to or above this chunk), or
 * from the TypeScript sources the `.ts` file through tsx's loader (tests, a developer's checkout).
 */
function startWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entry = new URL('./parallel-worker.ts', here).href;
    const tsxRoot = dirname(createRequire(here).resolve('tsx/package.json'));
    const tsx = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return newWorker(boot, { eval: true, execArgv: workerExecArgv(), resourceLimits: WORKER_LIMITS });
  }
  const dir = dirname(fileURLToPath(here));
  const file = [join(dir, 'parallel-worker.mjs'), join(dir, '..', 'parallel-worker.mjs')].find((f) => existsSync(f));
  if (file === undefined) throw new ZonalflowError('WORKER_FAILED', `parallel-worker.mjs not found beside ${dir}: rebuild with npm run build, or use --threads 1`);
  return newWorker(file, { execArgv: workerExecArgv(), resourceLimits: WORKER_LIMITS });
}

/**
 * A Worker with this process's Node options; V8 flags among them (--trace-gc, --max-semi-space-size, ...),
 * which a Worker refuses (ERR_WORKER_INVALID_EXEC_ARGV), are left out: V8's flags are process-wide, so the
 * worker runs with them anyway.
 */
export function newWorker(entry: string, opts: { eval?: boolean; execArgv: string[]; resourceLimits?: ResourceLimits; workerData?: unknown; transferList?: TransferListItem[] }): Worker {
  try {
    return new Worker(entry, opts);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const listed = err instanceof Error ? /flags: (.*)$/.exec(err.message)?.[1] : undefined;
    if (code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || listed === undefined) throw err;
    const refused = new Set(listed.split(/,\s*/));
    return new Worker(entry, { ...opts, execArgv: opts.execArgv.filter((a) => !refused.has(a) && !refused.has(a.split('=')[0] ?? a)) });
  }
}

/** This process's Node options for a worker, without those that say how the main script is given (`node --input-type=module -e …`). */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((a) => !/^(--input-type|--eval|-e|--print|-p)(=|$)/.test(a));
}
