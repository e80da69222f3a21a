/**
 * The prepare thread (started by prepare-thread.ts): phase 1 of `zonalflow stats` (prepare-job.ts:
 * features read, checked, reprojected with PROJ and spooled in spatial order), then the spool's run
 * files are handed to the main thread and this thread ends, taking PROJ's WebAssembly memory and the
 * feature reader's with it. Messages: one PrepareRequest in (and PrepareAbort when the job is aborted);
 * `head`, then `done` or `failed` out. With `stream` (prepare-job.ts prepareOrdered), `records` chunks go
 * out between them as they are prepared, at most {@link AHEAD_BYTES} ahead of the main thread, which
 * returns a PrepareCredit for each chunk it takes.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { CountingSource } from '../io/source.counting';
import { SourceError, ZonalflowError } from '../errors';
import { asTempSpaceError } from './temp-space';
import type { StretchSink } from './prepare-job';
import { transferables } from './packed-records';
import { startProjThread, useProjThread } from './proj-thread';
import type { PrepareAbort, PrepareCredit, PrepareFailure, PrepareReply, PrepareRequest, PrepareWorkerData } from './prepare-thread';

// PROJ's host thread starts loading PROJ (~0.5-1 s of WebAssembly compile and GDAL's start-up) before this
// thread loads the feature readers (SQLite's module among them) and opens the layer, rather than after:
// the job's first chunk waits for PROJ. The request's messages wait in the port meanwhile. A host handed
// over (early-proj.ts: started at process start, loading already) comes with the request and is adopted
// instead. A thread started at process start (bin/job-thread.mjs startEarlyPrepareThread, with `port`) loads
// its code before any request.
const data = workerData as (PrepareWorkerData & { port?: MessagePort }) | null;
if (data?.projThread === true) startProjThread();
const { prepareJob, prepareOrdered } = await import('./prepare-job');

/**
 * Bytes of packed chunks posted and not yet taken by the main thread, at most (memory bounded whatever the
 * job's size; a stretch with none in flight may always post one, so no stretch waits for another's). ~64
 * chunks of 1,000 fields of the 100k bench (~250 KiB each; ~100 chunks in all). At 4 MiB (~16 chunks) this
 * thread ran ahead for the first part of the job, then only as fast as the chunks were taken, woken by one
 * credit a chunk, and the whole run was ~5 % slower on 2 cores: 100k case, `zonalflow stats` through the
 * CLI, 6 interleaved pairs on a quiet 2-core Xeon, wall 3.23-3.36 s (median 3.33) at 4 MiB vs 2.99-3.26 s
 * (median 3.15) unbounded; 16 MiB, 32 MiB and unbounded were alike (5 interleaved triples, 3.0-3.3 s each).
 * Peak RSS is unchanged on the 100k case (the packed chunks are a small part of it); at 1M features, 2 interleaved
 * pairs: 279 / 287 MB at 4 MiB, 284 / 289 MB at 16 MiB (wall 15.5 / 15.7 s, 15.0 / 15.5 s). Beside two CPU-bound
 * processes (a busy machine), 4 and 16 MiB alike on the 100k case (5.74-6.09 s vs 5.54-6.13 s, 4 pairs).
 */
const AHEAD_BYTES = 16 * 1024 * 1024;

const port: MessagePort | null = data?.port ?? parentPort;
if (port === null) throw new Error('prepare-worker.ts runs as a worker thread');

function failure(thrown: unknown): PrepareFailure {
  // a full $TMPDIR while this thread spools the features: a typed line, rebuilt as such by the job's thread
  const err = asTempSpaceError(thrown);
  return {
    ...(err instanceof ZonalflowError && Object.keys(err.context).length > 0 ? { context: cloneable(err.context) } : {}),
    name: err instanceof Error ? err.name : 'Error',
    code: err instanceof ZonalflowError ? err.code : null,
    message: err instanceof Error ? err.message : String(err),
    ...(err instanceof SourceError && err.status !== undefined ? { status: err.status } : {}),
  };
}

/** The context's plain values (what structured clone carries; anything else is dropped). */
function cloneable(context: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(context).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v) || (typeof v === 'object' && !(v instanceof Error))));
}

const post = (m: PrepareReply): void => port.postMessage(m);

const aborted = new AbortController();
/** Per stretch: chunks posted and not yet taken. */
const posted: number[] = [];
/** Bytes of the chunks posted and not yet taken. */
let ahead = 0;
/** Wakes a sink waiting for credit (or for the abort). */
let wake: (() => void) | null = null;
let turn = 0;

const sink: StretchSink = {
  async pick(open) {
    for (;;) {
      aborted.signal.throwIfAborted();
      // take turns: the first open stretch after the last one served that has credit
      const ready = open.filter((j) => (posted[j] ?? 0) === 0 || ahead < AHEAD_BYTES);
      if (ready.length > 0) {
        const j = ready.find((x) => x >= turn) ?? ready[0] ?? 0;
        turn = j + 1;
        return j;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  },
  push(j, records) {
    const buffers = transferables(records);
    const bytes = buffers.reduce((a, b) => a + b.byteLength, 0) + records.id.reduce((a, id) => a + 16 + 2 * id.length, 0);
    posted[j] = (posted[j] ?? 0) + 1;
    ahead += bytes;
    port.postMessage({ kind: 'records', stretch: j, records, bytes } satisfies PrepareReply, buffers);
  },
};

// the job's end of the port closed (it ended, or did not want this thread): the job stops; with no job the
// thread has nothing left to keep it alive and ends
port.once('close', () => aborted.abort(new ZonalflowError('ABORTED', 'the job was aborted')));

port.on('message', (m: PrepareRequest | PrepareAbort | PrepareCredit) => {
  if ('kind' in m) {
    if (m.kind === 'credit') {
      posted[m.stretch] = (posted[m.stretch] ?? 1) - 1;
      ahead -= m.bytes;
    }
    else aborted.abort(new ZonalflowError('ABORTED', 'the job was aborted'));
    const w = wake;
    wake = null;
    w?.();
    return;
  }
  const counters: CountingSource[] = [];
  // a PROJ host already loading comes with the job: adopted
  if (m.projHost) startProjThread(m.projHost);
  void (async () => {
    try {
      const onHead = (head: Parameters<Parameters<typeof prepareJob>[1]>[0]): Promise<void> => {
        post({ kind: 'head', head });
        return Promise.resolve();
      };
      const { projHost: _host, ...job } = m;
      const req = { ...job, signal: aborted.signal };
      if (m.stream === true) {
        // PROJ on a thread of its own, ended once the job's transforms are chosen if none needs it (job-transforms.ts)
        useProjThread();
        const job = await prepareOrdered(req, onHead, counters, sink);
        post({ kind: 'done', tail: job.tail, spilled: job.records ? await job.records.detach() : null });
      } else {
        const job = await prepareJob(req, onHead, counters);
        const spilled = await job.records.detach();
        post({ kind: 'done', tail: job.tail, spilled });
      }
    } catch (err) {
      const f = failure(err);
      try {
        post({ kind: 'failed', error: f });
      } catch {
        post({ kind: 'failed', error: { ...f, context: undefined } }); // a context that cannot be cloned
      }
    } finally {
      await Promise.all(counters.map((c) => c.close().catch(() => undefined)));
      port.close();
    }
  })();
});
