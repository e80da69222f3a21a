/**
 * Phase 1 of `zonalflow stats` on a thread of its own (prepare-worker.ts runs prepare-job.ts there):
 * the thread loads PROJ and the feature reader and either streams a GeoPackage's prepared features in
 * reading order (one stream per worker thread, each at most a few chunks ahead: memory bounded whatever
 * the job's size), ending once the last is read, or spools every prepared feature to run files in a
 * temporary folder, hands them over and ends before the main thread decodes any tile; its memory
 * (PROJ's WebAssembly module, ~90 MB resident, SQLite's, the garbage of reading) goes with it. Its
 * errors come back as the same typed errors (class, code and message).
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SpilledRuns } from '../output/sorted-runs';
import { CrsError, GeoPackageError, GeometryError, InputError, LimitError, OutputError, RasterError, SourceError, SpecError, TempSpaceError, UriNotAllowedError, ZonalflowError } from '../errors';
import type { JobHead, PrepareOptions, PrepareTail } from './prepare-job';
import type { PackedRecords } from './packed-records';
import type { WorkerFailure } from './parallel-protocol';
import type { ProjHostHandle } from '../crs/proj-remote';
import { newWorker, PREPARE_LIMITS, workerExecArgv } from './parallel';
import { takeEarlyPrepareThread, type PrepareThreadHandle } from './early-prepare';

/**
 * Main -> prepare thread, first: the job (PrepareOptions without the S3 client and the signal, which cannot
 * cross); `stream`: a GeoPackage is read in reading order and streamed (prepare-job.ts prepareOrdered);
 * `projHost`: a PROJ host already loading (early-proj.ts), which the thread adopts (whether it streams or not).
 */
export type PrepareRequest = Omit<PrepareOptions, 's3Client' | 'signal'> & { stream?: boolean; projHost?: ProjHostHandle };

/**
 * What the prepare thread is started with: `projThread`, PROJ will run on a host thread of the prepare
 * thread's own (a streamed GeoPackage with no host handed over), which the thread then starts before it loads
 * its other code.
 */
export interface PrepareWorkerData { projThread: boolean }

/** Main -> prepare thread, later: the job was aborted. */
export interface PrepareAbort { kind: 'abort' }

/** Main -> prepare thread: a chunk of stretch `stretch`, of `bytes` bytes, was taken (it may post more). */
export interface PrepareCredit { kind: 'credit'; stretch: number; bytes: number }

/** Prepare thread -> main. */
export type PrepareReply =
  | { kind: 'head'; head: JobHead }
  | { kind: 'records'; stretch: number; records: PackedRecords; bytes: number }
  | { kind: 'done'; tail: PrepareTail; spilled: SpilledRuns | null }
  | { kind: 'failed'; error: PrepareFailure };

/** What phase 1 on a thread gives: the spool's run files once the thread has ended, or the streams of its reading order. */
export type PrepareOutcome =
  | { kind: 'spilled'; tail: PrepareTail; spilled: SpilledRuns }
  | {
    kind: 'streams';
    /** One per stretch of the reading order (head.streams): chunks of prepared features, as the thread prepares them. */
    streams: AsyncGenerator<PackedRecords>[];
    /** Resolves once the thread has read every feature and ended. */
    tail: Promise<PrepareTail>;
    /** Ends the thread (after a failure elsewhere; nothing when it has ended). */
    close(): Promise<void>;
  };

/** An error that crossed from the prepare thread: WorkerFailure's fields and the error's `context` (the CLI's exit code reads it). */
export interface PrepareFailure extends WorkerFailure { context?: Record<string, unknown> | undefined }

/**
 * Runs phase 1 on a prepare thread: the one handed over at process start when there is one
 * (early-prepare.ts), else a new one. `onHead` gets the job's head before the features are read. Spooled
 * (the head's `streams` is 0): resolves once the thread has ended (its memory released) with the spool's
 * run files. Streamed: resolves once `onHead` is done with one stream per stretch, fed as the thread
 * prepares the features. An abort stops the thread's reading. `projHost`: a PROJ host already loading,
 * handed to the thread (its ports are transferred).
 */
export async function prepareOnThread(req: PrepareRequest, onHead: (head: JobHead) => Promise<void>, signal?: AbortSignal, projHost?: ProjHostHandle | null): Promise<PrepareOutcome> {
  const early = takeEarlyPrepareThread();
  const worker = early ? handedLink(early) : workerLink(startPrepareWorker({ projThread: req.stream === true && !projHost }));
  // a host already loading PROJ goes with the request, to either thread (it loads on its own meanwhile)
  const first: PrepareRequest = projHost ? { ...req, projHost } : req;
  const firstTransfer = projHost ? [projHost.port, projHost.status] : [];
  const exited = worker.exited;
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  let headDone: Promise<void> = Promise.resolve();
  // an abort is passed on: the thread stops reading and cleans up (closes the layer, removes its spool) before it ends
  const onAbort = (): void => {
    if (!ended) worker.postMessage({ kind: 'abort' });
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const queues: ChunkQueue[] = [];
  let failure: Error | null = null;
  let finished: PrepareTail | null = null;
  const fail = (err: Error): void => {
    failure ??= err;
    for (const q of queues) q.fail(err);
  };
  const theError = (m: PrepareFailure | null, code?: number): Error => signal?.aborted && signal.reason instanceof Error ? signal.reason : m ? rebuildError(m) : new ZonalflowError('WORKER_FAILED', `the prepare thread exited with code ${code ?? '?'} before it finished`);
  let tailOf!: { resolve: (t: PrepareTail) => void; reject: (e: Error) => void };
  const tail = new Promise<PrepareTail>((resolve, reject) => {
    tailOf = { resolve, reject };
  });
  tail.catch(() => undefined); // awaited by the caller after its streams; never unhandled meanwhile
  const close = async (): Promise<void> => {
    signal?.removeEventListener('abort', onAbort);
    if (ended) return;
    // asked to stop, the thread closes its layer (and removes the file's private view) before it ends; terminated if it does not within 5 s
    worker.postMessage({ kind: 'abort' });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 5000);
    })]);
    clearTimeout(timer);
    if (!ended) await worker.terminate();
  };
  try {
    const result = await new Promise<PrepareOutcome>((resolve, reject) => {
      worker.onMessage((m: PrepareReply) => {
        if (m.kind === 'head') {
          headDone = headDone.then(() => onHead(m.head));
          headDone.catch(reject);
          if (m.head.streams > 0) {
            for (let j = 0; j < m.head.streams; j++) queues.push(new ChunkQueue());
            const credit = (j: number, bytes: number): void => {
              if (!ended) worker.postMessage({ kind: 'credit', stretch: j, bytes } satisfies PrepareCredit);
            };
            const streams = queues.map((q, j) => drain(q, (bytes) => credit(j, bytes)));
            void headDone.then(() => resolve({ kind: 'streams', streams, tail, close }), reject);
          }
        } else if (m.kind === 'records') queues[m.stretch]?.push(m.records, m.bytes);
        else if (m.kind === 'done') {
          for (const q of queues) q.end();
          finished = m.tail;
          if (m.spilled) {
            const spilled = m.spilled;
            headDone.then(() => resolve({ kind: 'spilled', tail: m.tail, spilled }), reject);
          }
        } else {
          const err = theError(m.error);
          fail(err);
          tailOf.reject(err);
          reject(err);
        }
      });
      worker.onError((err) => {
        fail(err);
        tailOf.reject(err);
        reject(err);
      });
      worker.postMessage(first, firstTransfer);
      void exited.then((code) => {
        if (finished) {
          tailOf.resolve(finished); // its memory is released
          return;
        }
        const err = failure ?? theError(null, code);
        // after 'done' these settle nothing (already settled)
        for (const q of queues) q.fail(err);
        tailOf.reject(err);
        reject(err);
      });
    });
    if (result.kind === 'spilled') {
      await exited; // its memory is released before the caller goes on
      signal?.removeEventListener('abort', onAbort);
    }
    return result;
  } catch (err) {
    await worker.terminate();
    signal?.removeEventListener('abort', onAbort);
    throw err;
  }
}

/** A prepare thread as prepareOnThread talks to it: its own Worker, or one handed over (early-prepare.ts). */
interface PrepareLink {
  postMessage(m: PrepareRequest | PrepareAbort | PrepareCredit, transfer?: readonly (ArrayBuffer | MessagePort)[]): void;
  onMessage(f: (m: PrepareReply) => void): void;
  /** The thread's uncaught failure (it then ends). */
  onError(f: (err: Error) => void): void;
  /** Resolves with the thread's exit code once it has ended. */
  readonly exited: Promise<number>;
  terminate(): Promise<void>;
}

function workerLink(worker: Worker): PrepareLink {
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  return {
    postMessage: (m, transfer) => worker.postMessage(m, transfer),
    onMessage: (f) => worker.on('message', f),
    onError: (f) => worker.once('error', (e) => f(e instanceof Error ? e : new Error(String(e)))),
    exited,
    terminate: async () => {
      await worker.terminate();
    },
  };
}

/** Longest wait for a handed-over thread to end once its owner was asked to terminate it, ms. */
const HANDED_END_WAIT_MS = 5000;

/**
 * A prepare thread started by another thread (bin/job-thread.mjs startEarlyPrepareThread): the protocol on
 * its port; its failure and its end as relayed on the status port by the thread that owns its Worker (a
 * closed status port, that thread gone, counts as the end).
 */
function handedLink(h: PrepareThreadHandle): PrepareLink {
  let onError: ((err: Error) => void) | null = null;
  const exited = new Promise<number>((resolve) => {
    h.status.on('message', (m: { error?: { name: string; message: string }; exited?: number }) => {
      if (m.error !== undefined) {
        const err = new Error(m.error.message);
        err.name = m.error.name;
        onError?.(err);
      } else if (m.exited !== undefined) resolve(m.exited);
    });
    h.status.once('close', () => resolve(1));
  });
  void exited.then(() => h.status.close());
  return {
    postMessage: (m, transfer) => h.port.postMessage(m, transfer),
    onMessage: (f) => h.port.on('message', f),
    onError: (f) => {
      onError = f;
    },
    exited,
    terminate: async () => {
      h.port.close();
      h.status.postMessage({ terminate: true });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => {
        timer = setTimeout(resolve, HANDED_END_WAIT_MS);
      })]);
      clearTimeout(timer);
    },
  };
}

/** Chunks of one stretch as they arrive from the prepare thread, taken in order by one reader. */
class ChunkQueue {
  private readonly items: { chunk: PackedRecords; bytes: number }[] = [];
  private done = false;
  private error: Error | null = null;
  private waiting: (() => void) | null = null;

  push(chunk: PackedRecords, bytes: number): void {
    this.items.push({ chunk, bytes });
    this.wake();
  }
  end(): void {
    this.done = true;
    this.wake();
  }
  fail(err: Error): void {
    if (this.done) return; // every chunk came: nothing can fail any more
    this.error ??= err;
    this.wake();
  }
  /** The next chunk, null at the end; the thread's failure is thrown. */
  async next(): Promise<{ chunk: PackedRecords; bytes: number } | null> {
    for (;;) {
      if (this.error) throw this.error;
      const c = this.items.shift();
      if (c) return c;
      if (this.done) return null;
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }
  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }
}

/** A queue's chunks as a stream; `taken` after each chunk is taken (the thread's credit). */
async function* drain(q: ChunkQueue, taken: (bytes: number) => void): AsyncGenerator<PackedRecords> {
  for (;;) {
    const c = await q.next();
    if (c === null) return;
    taken(c.bytes);
    yield c.chunk;
  }
}

type Options = { context?: Record<string, unknown> };
const CLASSES: Record<string, new (message: string, options?: Options) => ZonalflowError> = {
  SpecError, GeoPackageError, GeometryError, CrsError, RasterError, UriNotAllowedError, LimitError, InputError, OutputError, TempSpaceError,
};

/** A prepare-thread error as a typed error of this thread: the same class (when it is one of errors.ts'), code and message. */
export function rebuildError(f: PrepareFailure): Error {
  const options: Options = f.context === undefined ? {} : { context: f.context };
  if (f.name === 'SourceError') return new SourceError(f.message, f.status === undefined ? options : { ...options, status: f.status });
  const Cls = CLASSES[f.name];
  if (Cls) {
    const e = new Cls(f.message, options);
    if (f.code !== null && e.code !== f.code) Object.defineProperty(e, 'code', { value: f.code });
    return e;
  }
  if (f.code !== null) return new ZonalflowError(f.code, f.message);
  const e = new Error(f.message);
  e.name = f.name;
  return e;
}

/**
 * Starts the prepare worker: the compiled bundle's `prepare-worker.mjs` (dist/, next to or above this
 * chunk), or from the TypeScript sources the `.ts` file through tsx's loader (tests, a developer's checkout).
 */
function startPrepareWorker(workerData: PrepareWorkerData): Worker {
  const here = import.meta.url;
  const execArgv = workerExecArgv();
  if (here.endsWith('.ts')) {
    const entry = new URL('./prepare-worker.ts', here).href;
    const tsxRoot = dirname(createRequire(here).resolve('tsx/package.json'));
    const tsx = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return newWorker(boot, { eval: true, execArgv, resourceLimits: PREPARE_LIMITS, workerData });
  }
  const dir = dirname(fileURLToPath(here));
  const file = [join(dir, 'prepare-worker.mjs'), join(dir, '..', 'prepare-worker.mjs')].find((f) => existsSync(f));
  if (file === undefined) throw new ZonalflowError('WORKER_FAILED', `prepare-worker.mjs not found beside ${dir}: rebuild with npm run build`);
  return newWorker(file, { execArgv, resourceLimits: PREPARE_LIMITS, workerData });
}
