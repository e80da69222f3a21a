/**
 * The PROJ host thread (started by proj-thread.ts): loads PROJ's WebAssembly module here and answers the
 * synchronous calls of the thread that started it (crs/proj-remote.ts). Ending this thread frees PROJ's memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveProj, type ProjHostData } from '../crs/proj-remote';

if (parentPort === null) throw new Error('proj-host.ts runs as a worker thread');
serveProj(workerData as ProjHostData, parentPort);
