/**
 * V8's old-generation growth while `zonalflow local` runs. The main thread serves the S3/DynamoDB stand-ins and
 * their gates: ~27 MB of live heap (s3rver, dynalite, koa, the SDK) that barely grows, while its young generation
 * grew to V8's maximum. V8 set the old generation's limit (~50 MB) so close above the live heap that the room
 * left was less than the young generation's capacity, its soft limit for starting a full collection: every few
 * scavenges started incremental marking again ("[IncrementalMarking] Start (task): v8: 27MB / 50MB / 23MB"), and
 * each Mark-Compact freed 2-4 MB. 100k case: 30 Mark-Compacts on the main thread (`--trace-gc`), 9-10 on each
 * Lambda thread. With the old generation's limit set at 4x the heap live after a collection
 * (`--heap-growing-percent=300`, which V8 reads at every collection, so it holds for the heaps that exist),
 * 2 on the main thread and 7-8 on each Lambda thread.
 *
 * Only how often the process's collector runs changes (a heap may grow larger between collections: peak RSS
 * +0-60 MB on the 100k case); no handler, request or answer does. Set while a run is in progress and restored
 * after the last one ends; left alone when the process was started with its own --heap-growing-percent.
 */
import { setFlagsFromString } from 'node:v8';

/** The old generation's limit after a collection: (1 + HEAP_GROWING_PERCENT / 100) x its live size. */
export const HEAP_GROWING_PERCENT = 300;

let holders = 0;

/** Whether the process was started with its own growth setting (then never changed here). */
function setByUser(): boolean {
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /heap[-_]growing[-_]percent/.test(a));
}

/** Sets the heap growth for a local run; returns the function that releases it (V8's default once no run holds it). */
export function holdHeapGrowth(): () => void {
  if (setByUser()) return () => undefined;
  if (holders++ === 0) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) setFlagsFromString('--heap-growing-percent=0');
  };
}
