/**
 * What the main thread and the zonal worker threads (parallel.ts, parallel-worker.ts)
 * send each other. Every message is structured-cloneable: plain objects, arrays,
 * numbers and strings (geometries in the rasters' CRSs, windows, rows).
 */
import type { Crs } from '../crs/crs';
import type { AllowedSources } from '../io/uri';
import type { ResultRow } from '../output/table';
import type { EngineFeature, ZonalOptions, ZonalTimings } from './zonal';
import type { EncodedGeometries, PackedValues } from './parallel-pack';

/** A raster as a worker reopens it: where it is and what the main thread resolved (its CRS is never parsed there). */
export interface RasterRef { name: string; uri: string; crs: Crs; bands: number[]; nodata: number | null | undefined }

/** The job of a zonal worker (its first message): the rasters and the engine's options. */
export interface WorkerInit {
  rasters: RasterRef[];
  weights: RasterRef | null;
  /** The engine options without the weights raster (which `weights` names). */
  options: Omit<ZonalOptions, 'weights'>;
  allowed: AllowedSources;
  /** Decoded-tile cache of each raster in this worker (bytes; default the raster's own). */
  cacheBytes?: number | undefined;
}

/** A PreparedChunk (zonal.ts) with its geometries and windows packed (parallel-pack.ts; their buffers are transferred). */
export interface PackedChunk {
  problems: (string | null)[];
  touched: boolean[];
  /** Per raster: the geometries packed (parallel-pack.ts), or as the job's spool encoded them (job-order.ts encodedGeometries). */
  perRaster: { geometries: EncodedGeometries; windows: Float64Array; errors: (string | null)[] }[];
}

/** Main -> worker: measure one part of a chunk. */
export interface MeasureRequest {
  kind: 'measure';
  seq: number;
  features: Pick<EngineFeature, 'fid' | 'fidText' | 'id'>[];
  prepared: PackedChunk;
}

/** Main -> worker, first: the job. */
export interface InitRequest { kind: 'init'; init: WorkerInit }

/** Main -> worker: report the counters and close the sources. */
export interface CloseRequest { kind: 'close' }

/** An error that crossed the thread boundary (its class is rebuilt from `code`). */
export interface WorkerFailure { name: string; code: string | null; message: string; status?: number | undefined }

/** Worker -> main. */
export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'rows'; seq: number; rows: ResultRow[] }
  /** The rows of a part whose values are all numbers or null, packed (parallel-pack.ts packValues; the buffer is transferred). */
  | { kind: 'values'; seq: number; values: PackedValues }
  | { kind: 'failed'; seq: number | null; error: WorkerFailure }
  | { kind: 'closed'; timings: ZonalTimings; decodeMs: number; bytes: number; requests: number; fileReads: number };
