/**
 * The prepare thread that `zonalflow stats` starts on its main thread at process start when the command line
 * says the job will read its features on one (bin/job-thread.mjs wantsEarlyPrepareThread,
 * startEarlyPrepareThread), handed to the job thread in its workerData: the thread loads its code (the
 * feature readers, SQLite's WebAssembly module, the reprojection) while the job thread loads the CLI, instead
 * of after it. prepare-thread.ts uses it in place of a thread of its own; a job prepared elsewhere (on this
 * thread, or a time series) discards it, and it ends.
 */
import type { MessagePort } from 'node:worker_threads';
import { takeHanded } from './handed';

/** The workerData key of the handed-over thread (bin/job-thread.mjs). */
export const EARLY_PREPARE_KEY = 'zonalflowPrepareThread';

/**
 * A prepare thread started by another thread: `port` carries the prepare protocol (prepare-thread.ts
 * PrepareRequest in, PrepareReply out); `status` carries, from the thread that owns its Worker, `{ error }`
 * (its uncaught failure: name and message) and `{ exited: code }`, and takes `{ terminate: true }`.
 */
export interface PrepareThreadHandle { port: MessagePort; status: MessagePort }

/**
 * The handed-over prepare thread, once per thread (null after the first call, on the main thread, and on any
 * thread not started with one). The caller owns it: it uses it, or closes its ports ({@link discardEarlyPrepareThread}),
 * which ends the thread.
 */
export function takeEarlyPrepareThread(): PrepareThreadHandle | null {
  return takeHanded<PrepareThreadHandle>(EARLY_PREPARE_KEY, (h) => h.port !== undefined && h.status !== undefined);
}

/** Ends the handed-over prepare thread, if this thread has one it has not taken (its port closes: it ends itself). */
export function discardEarlyPrepareThread(): void {
  const h = takeEarlyPrepareThread();
  h?.port.close();
  h?.status.close();
}
