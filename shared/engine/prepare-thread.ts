/**
 * Phase 1 of `zonalflow stats` on a thread of its own (prepare-worker.ts runs prepare-job.ts there):
 * the thread loads PROJ and the feature reader, spools every prepared feature to run files in a
 * temporary folder, hands them over and ends; its memory (PROJ's WebAssembly module, ~90 MB resident,
 * SQLite's, the garbage of reading) is freed before the main thread decodes any tile. Its errors
 * come back as the same typed errors (class, code and message).
 */
import type { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SpilledRuns } from '../output/sorted-runs';
import { CrsError, GeoPackageError, GeometryError, InputError, LimitError, OutputError, RasterError, SourceError, SpecError, UriNotAllowedError, ZonalflowError } from '../errors';
import type { JobHead, PrepareOptions, PrepareTail } from './prepare-job';
import type { WorkerFailure } from './parallel-protocol';
import { newWorker, WORKER_LIMITS, workerExecArgv } from './parallel';

/** Main -> prepare thread, first: the job (PrepareOptions without the S3 client and the signal, which cannot cross). */
export type PrepareRequest = Omit<PrepareOptions, 's3Client' | 'signal'>;

/** Main -> prepare thread, later: the job was aborted. */
export interface PrepareAbort { kind: 'abort' }

/** Prepare thread -> main. */
export type PrepareReply =
  | { kind: 'head'; head: JobHead }
  | { kind: 'done'; tail: PrepareTail; spilled: SpilledRuns }
  | { kind: 'failed'; error: PrepareFailure };

/** An error that crossed from the prepare thread: WorkerFailure's fields and the error's `context` (the CLI's exit code reads it). */
export interface PrepareFailure extends WorkerFailure { context?: Record<string, unknown> | undefined }

/**
 * Runs phase 1 on a new thread: `onHead` gets the job's head before the features are read; resolves
 * once the thread has ended (its memory released) with the spool's run files. An abort stops the thread's reading.
 */
export async function prepareOnThread(req: PrepareRequest, onHead: (head: JobHead) => Promise<void>, signal?: AbortSignal): Promise<{ tail: PrepareTail; spilled: SpilledRuns }> {
  const worker = startPrepareWorker();
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  let headDone: Promise<void> = Promise.resolve();
  // an abort is passed on: the thread stops reading and cleans up (closes the layer, removes its spool) before it ends
  const onAbort = (): void => worker.postMessage({ kind: 'abort' });
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await new Promise<{ tail: PrepareTail; spilled: SpilledRuns }>((resolve, reject) => {
      worker.on('message', (m: PrepareReply) => {
        if (m.kind === 'head') {
          headDone = headDone.then(() => onHead(m.head));
          headDone.catch(reject);
        }
        else if (m.kind === 'done') headDone.then(() => resolve({ tail: m.tail, spilled: m.spilled }), reject);
        else reject(signal?.aborted && signal.reason instanceof Error ? signal.reason : rebuildError(m.error));
      });
      worker.once('error', (err) => reject(err instanceof Error ? err : new Error(String(err))));
      worker.postMessage(req);
      void exited.then((code) => reject(signal?.aborted && signal.reason instanceof Error ? signal.reason : new ZonalflowError('WORKER_FAILED', `the prepare thread exited with code ${code} before it finished`)));
    });
    await exited; // its memory is released before the caller goes on
    return result;
  } catch (err) {
    await worker.terminate();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

type Options = { context?: Record<string, unknown> };
const CLASSES: Record<string, new (message: string, options?: Options) => ZonalflowError> = {
  SpecError, GeoPackageError, GeometryError, CrsError, RasterError, UriNotAllowedError, LimitError, InputError, OutputError,
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
function startPrepareWorker(): Worker {
  const here = import.meta.url;
  const execArgv = workerExecArgv();
  if (here.endsWith('.ts')) {
    const entry = new URL('./prepare-worker.ts', here).href;
    const tsxRoot = dirname(createRequire(here).resolve('tsx/package.json'));
    const tsx = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return newWorker(boot, { eval: true, execArgv, resourceLimits: WORKER_LIMITS });
  }
  const dir = dirname(fileURLToPath(here));
  const file = [join(dir, 'prepare-worker.mjs'), join(dir, '..', 'prepare-worker.mjs')].find((f) => existsSync(f));
  if (file === undefined) throw new ZonalflowError('WORKER_FAILED', `prepare-worker.mjs not found beside ${dir}: rebuild with npm run build`);
  return newWorker(file, { execArgv, resourceLimits: WORKER_LIMITS });
}
