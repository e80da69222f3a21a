/**
 * The prepare thread that `zonalflow stats` starts on its main thread at process start when the command line
 * says the job will read its features on one (bin/job-thread.mjs wantsEarlyPrepareThread,
 * startEarlyPrepareThread), handed to the job thread in its workerData: the thread loads its code (the
 * feature readers, SQLite's WebAssembly module, the reprojection) while the job thread loads the CLI, instead
 * of after it. prepare-thread.ts uses it in place of a thread of its own; a job prepared elsewhere (on this
 * thread, or a time series) discards it, and it ends.
 */
import { isMainThread, workerData, type MessagePort } from 'node:worker_threads';

/** The workerData key of the handed-over thread (bin/job-thread.mjs). */
export const EARLY_PREPARE_KEY = 'zonalflowPrepareThread';

/**
 * A prepare thread started by another thread: `port` carries the prepare protocol (prepare-thread.ts
 * PrepareRequest in, PrepareReply out); `status` carries, from the thread that owns its Worker, `{ error }`
 * (its uncaught failure: name and message) and `{ exited: code }`, and takes `{ terminate: true }`.
 */
export interface PrepareThreadHandle { port: MessagePort; status: MessagePort }

let taken = false;

/**
 * The handed-over prepare thread, once per thread (null after the first call, on the main thread, and on any
 * thread not started with one). The caller owns it: it uses it, or closes its ports ({@link discardEarlyPrepareThread}),
 * which ends the thread.
 */
export function takeEarlyPrepareThread(): PrepareThreadHandle | null {
  if (taken || isMainThread) return null;
  taken = true;
  const data: unknown = workerData;
  if (data === null || typeof data !== 'object') return null;
  const handle = (data as Record<string, unknown>)[EARLY_PREPARE_KEY];
  if (handle === null || typeof handle !== 'object') return null;
  const h = handle as Partial<PrepareThreadHandle>;
  return h.port && h.status ? (h as PrepareThreadHandle) : null;
}

/** Ends the handed-over prepare thread, if this thread has one it has not taken (its port closes: it ends itself). */
export function discardEarlyPrepareThread(): void {
  const h = takeEarlyPrepareThread();
  h?.port.close();
  h?.status.close();
}
