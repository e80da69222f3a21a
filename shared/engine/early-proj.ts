/**
 * The PROJ host thread that `zonalflow stats` starts on its main thread at process start (bin/job-thread.mjs
 * startEarlyProjHost), handed to the job thread in its workerData: PROJ (~0.5-1 s of WebAssembly load and
 * GDAL's start-up with the machine's load: bench/HISTORY.md, "PROJ's start") then loads while the job thread
 * and the prepare thread load their code, instead of after
 * them, and the job's first chunk, which waits for PROJ's choice of transform, comes that much sooner. The
 * job adopts it where it uses PROJ: the prepare thread (prepare-worker.ts), or this thread (proj-thread.ts).
 */
import { takeHanded } from './handed';
import type { ProjHostHandle } from '../crs/proj-remote';

/** The workerData key of the handed-over host (bin/job-thread.mjs). */
export const EARLY_PROJ_KEY = 'zonalflowProjHost';

/**
 * The handed-over host, once per thread (null after the first call, on the main thread, and on any thread
 * not started with one). The caller owns it: it adopts it (proj-thread.ts useProjThread, or hands it on) or
 * closes its ports, which ends the host.
 */
export function takeEarlyProjHost(): ProjHostHandle | null {
  return takeHanded<ProjHostHandle>(EARLY_PROJ_KEY, (h) => h.port !== undefined && h.status !== undefined && h.flag instanceof SharedArrayBuffer);
}
