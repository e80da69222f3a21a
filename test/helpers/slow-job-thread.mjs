// Preloaded (`node --import <this file> bin/zonalflow.mjs stats ...`; worker threads inherit the flag): on the
// job thread only (bin/job-thread.mjs marks its workerData), blocks for 2 s before the thread loads the CLI, so
// that a signal the main thread passes on meanwhile reaches a job thread whose job has not started
// (early-interrupt.test.ts). Nothing else changes.
import { isMainThread, workerData } from 'node:worker_threads';

if (!isMainThread && workerData !== null && typeof workerData === 'object' && workerData.zonalflowJobThread === true) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
}
