/**
 * The PROJ host thread (started by proj-thread.ts): loads PROJ's WebAssembly module here and answers the
 * synchronous calls of its client thread (crs/proj-remote.ts): the thread that started it, or the one it was
 * handed to (bin/job-thread.mjs starts one at process start). Ending this thread frees PROJ's memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveProj, type ProjHostData } from '../crs/proj-remote';

if (parentPort === null) throw new Error('proj-host.ts runs as a worker thread');
// the client's port closed (released, or its thread ended): this thread ends, and PROJ's memory with it
serveProj(workerData as ProjHostData, parentPort, () => process.exit(0));
