/**
 * Chunks in flight: the job pushes each chunk as soon as it is read and gets
 * the computed chunks back in the order it pushed them, so that the main
 * thread reads (and reprojects) the next chunk while worker threads compute
 * the previous ones. At most `depth` chunks are in flight: memory stays
 * bounded by depth x chunk size whatever the number of features.
 */
import os from 'node:os';
import type { ResultRow } from '../output/table';
import type { EngineFeature } from './zonal';

/** Worker threads never exceed this, whatever the machine (each holds its own tile cache). */
export const MAX_THREADS = 8;
/** Below this many features per thread, starting workers costs more than it saves. */
export const MIN_FEATURES_PER_THREAD = 2000;

/**
 * Worker threads for a job of `features` features when the user gave no `--threads`: the available cores
 * (os.availableParallelism), at most {@link MAX_THREADS}, and one per {@link MIN_FEATURES_PER_THREAD}
 * features at most; 1 means computing in the main thread.
 */
export function defaultThreads(features: number, cores: number = os.availableParallelism()): number {
  return Math.max(1, Math.min(cores, MAX_THREADS, Math.floor(features / MIN_FEATURES_PER_THREAD)));
}

/**
 * Worker threads of a job: `threads` when given (at least 1), else {@link defaultThreads} of the input's
 * feature count (0 when the input does not state it: GeoJSON runs in this thread unless asked); 1 when a raster
 * or the weights raster is on s3:// (a worker thread has no S3 client: those jobs compute in this thread).
 */
export function jobThreads(spec: { rasters: readonly { uri: string }[]; weights?: { uri: string } | undefined }, threads: number | undefined, features: number): number {
  const onS3 = [...spec.rasters, ...(spec.weights ? [spec.weights] : [])].some((r) => /^s3:\/\//i.test(r.uri));
  if (onS3) return 1;
  return Math.max(1, Math.floor(threads ?? defaultThreads(features)));
}

/**
 * Compute threads of a job whose features are read alongside the computing (a GeoPackage read in its spatial
 * order on the prepare thread, prepare-job.ts): without the user's `threads`, one fewer than `given`
 * ({@link jobThreads}), at least 1 (1: the main thread computes, no worker thread): the reading thread takes a
 * core of its own until near the end. The user's `threads` stands. Measured on 2 cores, 100k case, after
 * tiles inflate on libuv's pool (load ~10): 1 compute thread 5.7-5.8 CPU s and 368-379 MB peak RSS,
 * 2 worker threads 6.3-6.5 CPU s and 437-458 MB, wall within the load's noise (8.4-10.3 vs 9.1-9.5 s).
 */
export function streamedThreads(given: number, threads: number | undefined): number {
  return threads === undefined ? Math.max(1, given - 1) : given;
}

/** An ordered pipeline of chunk computations (a chunk: features, or what the job made of them). */
export interface ChunkPipeline<C = readonly EngineFeature[]> {
  /** Starts computing a chunk (never blocks). */
  push(chunk: C): void;
  /**
   * The finished chunks' rows, oldest first: the oldest ones until at most `depth - 1` are in flight (every
   * one when `all`). A chunk's failure is thrown here, in order.
   */
  take(all: boolean): Promise<ResultRow[][]>;
}

/** A pipeline over `compute`, `depth` chunks deep (1: each chunk is computed before the next is read). */
export function chunkPipeline<C = readonly EngineFeature[]>(compute: (chunk: C) => Promise<ResultRow[]>, depth: number): ChunkPipeline<C> {
  const inFlight: Promise<ResultRow[]>[] = [];
  return {
    push(chunk) {
      const p = compute(chunk);
      p.catch(() => undefined); // awaited in order by take(); never an unhandled rejection meanwhile
      inFlight.push(p);
    },
    async take(all) {
      const out: ResultRow[][] = [];
      while (inFlight.length > (all ? 0 : Math.max(0, depth - 1))) {
        const p = inFlight.shift();
        if (p) out.push(await p);
      }
      return out;
    },
  };
}
