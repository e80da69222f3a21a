/**
 * PROJ on a thread of its own for this thread (crs/proj-remote.ts): {@link useProjThread} routes crs/proj.ts
 * to a host thread running proj-host.ts (the compiled `proj-host.mjs` in dist/, or the TypeScript source
 * through tsx), {@link releaseProjThread} ends it once the job needs PROJ no more (its ~80 MB go with it).
 * The prepare thread of a streamed GeoPackage uses it (prepare-job.ts prepareOrdered): it lives through
 * the whole job, and when every transform of the job runs in proj4js (crs/job-transform.ts) PROJ is not
 * kept resident for it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { ZonalflowError } from '../errors';
import { useProjBackend } from '../crs/proj';
import { remoteProj, type ProjHostData, type ProjHostHandle, type RemoteProj } from '../crs/proj-remote';
import { newWorker, WORKER_LIMITS, workerExecArgv } from './parallel';

let remote: RemoteProj | null = null;

/**
 * From now on, this thread's PROJ calls go to a host thread: `handed`, a host another thread started (it
 * is loading PROJ already), else one started at the first call or by ensureProj. A host handed over when
 * this thread already has one is released at once.
 */
export function useProjThread(handed?: ProjHostHandle): void {
  if (remote === null) remote = remoteProj(startProjHost, handed);
  else if (handed) {
    handed.port.close();
    handed.status.close();
  }
  useProjBackend(remote);
}

/** {@link useProjThread}, and the host thread starts loading PROJ now rather than at the first call. */
export function startProjThread(handed?: ProjHostHandle): void {
  useProjThread(handed);
  remote?.ready().catch(() => undefined); // a failed load is reported to the first call
}

/** Ends the host thread (a later PROJ call starts another). */
export async function releaseProjThread(): Promise<void> {
  await remote?.release();
}

/** Whether a PROJ host thread is running for this thread. */
export function projThreadRunning(): boolean {
  return remote?.running() ?? false;
}

function startProjHost(data: ProjHostData): Worker {
  const here = import.meta.url;
  const execArgv = workerExecArgv();
  const opts = { execArgv, resourceLimits: WORKER_LIMITS, workerData: data, transferList: [data.port] };
  if (here.endsWith('.ts')) {
    const entry = new URL('./proj-host.ts', here).href;
    const tsxRoot = dirname(createRequire(here).resolve('tsx/package.json'));
    const tsx = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return newWorker(boot, { ...opts, eval: true });
  }
  const dir = dirname(fileURLToPath(here));
  const file = [join(dir, 'proj-host.mjs'), join(dir, '..', 'proj-host.mjs')].find((f) => existsSync(f));
  if (file === undefined) throw new ZonalflowError('WORKER_FAILED', `proj-host.mjs not found beside ${dir}: rebuild with npm run build`);
  return newWorker(file, opts);
}
