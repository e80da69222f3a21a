// Preloaded (`node --import <this file> bin/zonalflow.mjs stats ...`; worker threads inherit the flag): on the
// job thread only (bin/job-thread.mjs marks its workerData), a top-level await that nothing settles, so the
// thread's event loop runs dry and Node ends it with its exit code 13 (job-thread-exit.test.ts). Nothing else changes.
import { isMainThread, workerData } from 'node:worker_threads';

if (!isMainThread && workerData !== null && typeof workerData === 'object' && workerData.zonalflowJobThread === true) {
  await new Promise(() => undefined);
}
