/**
 * A zonal worker thread (started by parallel.ts): reopens the job's rasters, then
 * measures the chunk parts the main thread sends (tile reads and decoding,
 * coverage, statistics) with the same engine code as one thread, and answers
 * with rows in the order it got the features. PROJ is never loaded here: the
 * geometries arrive in each raster's CRS.
 */
import { parentPort } from 'node:worker_threads';
import { openSource } from '../io/uri';
import type { CountingSource } from '../io/source.counting';
import { countInto, sumCounts } from '../io/source.counting';
import { openRaster } from '../raster/cog';
import { ZonalflowError, SourceError } from '../errors';
import { ZonalEngine } from './zonal';
import type { ZonalRaster } from './rasters';
import { packValues, unpackWindows } from './parallel-pack';
import type { CloseRequest, InitRequest, MeasureRequest, RasterRef, WorkerFailure, WorkerInit, WorkerReply } from './parallel-protocol';

const port = parentPort;
if (port === null) throw new Error('parallel-worker.ts runs as a worker thread');
const counters: CountingSource[] = [];

function failure(err: unknown): WorkerFailure {
  return {
    name: err instanceof Error ? err.name : 'Error',
    code: err instanceof ZonalflowError ? err.code : null,
    message: err instanceof Error ? err.message : String(err),
    ...(err instanceof SourceError && err.status !== undefined ? { status: err.status } : {}),
  };
}

async function reopen(ref: RasterRef, init: WorkerInit): Promise<ZonalRaster> {
  const source = countInto(counters)(openSource(ref.uri, { allowed: init.allowed }));
  // each worker inflates its own tiles: the workers are the job's parallelism (one per core), and libuv's pool,
  // shared by the process, has four threads
  const raster = await openRaster(source, { inflateOnPool: false, ...(init.cacheBytes === undefined ? {} : { cacheBytes: init.cacheBytes }) });
  return { name: ref.name, uri: ref.uri, crs: ref.crs, bands: ref.bands, nodata: ref.nodata, raster };
}

const post = (m: WorkerReply): void => port.postMessage(m);

/** The job's rasters reopened here and a measuring engine on them. */
async function open(init: WorkerInit): Promise<{ rasters: ZonalRaster[]; weights: ZonalRaster | undefined; engine: ZonalEngine }> {
  const rasters = await Promise.all(init.rasters.map((r) => reopen(r, init)));
  const weights = init.weights === null ? undefined : await reopen(init.weights, init);
  return { rasters, weights, engine: new ZonalEngine(rasters, rasters[0]?.crs ?? { name: 'none', def: '' }, { ...init.options, weights }, 'measure') };
}

let opened: ReturnType<typeof open> | null = null;

// one request at a time, in the order they came (each part's tiles stay in this worker's cache)
let queue: Promise<void> = Promise.resolve();
port.on('message', (m: InitRequest | MeasureRequest | CloseRequest) => {
  if (m.kind === 'init') {
    opened = open(m.init);
    opened.then(() => post({ kind: 'ready' }), (err: unknown) => post({ kind: 'failed', seq: null, error: failure(err) }));
    return;
  }
  queue = queue.then(async () => {
    let job: Awaited<ReturnType<typeof open>> | null = null;
    let why: unknown = new Error('no job was given before the first request');
    try {
      if (opened !== null) job = await opened;
    } catch (err) {
      why = err; // also reported once, as 'failed' with no seq
    }
    if (m.kind === 'close') {
      post({
        kind: 'closed',
        timings: job?.engine.timings ?? { prefetch: 0, coverage: 0, read: 0, stats: 0, reproject: 0, cells: 0 },
        decodeMs: job ? [...job.rasters, ...(job.weights ? [job.weights] : [])].reduce((a, r) => a + r.raster.decodeMs, 0) : 0,
        ...sumCounts(counters),
      });
      await Promise.all(counters.map((c) => c.close()));
      port.close();
      return;
    }
    try {
      if (job === null) throw why;
      const prepared = {
        problems: m.prepared.problems,
        touched: m.prepared.touched,
        // the geometries read as they came (zonal.ts PreparedChunk `encoded`), never decoded into arrays
        perRaster: m.prepared.perRaster.map((p) => ({ local: [], windows: unpackWindows(p.windows), errors: p.errors, encoded: p.geometries })),
      };
      const rows = await job.engine.measure(m.features, prepared);
      const values = packValues(rows, job.engine.columns.length);
      if (values === null) post({ kind: 'rows', seq: m.seq, rows });
      else {
        const buffer = values.values.buffer;
        port.postMessage({ kind: 'values', seq: m.seq, values } satisfies WorkerReply, buffer instanceof ArrayBuffer ? [buffer] : []);
      }
    } catch (err) {
      post({ kind: 'failed', seq: m.seq, error: failure(err) });
    }
  });
});
