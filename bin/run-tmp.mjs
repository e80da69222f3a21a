// The run's own temporary folder. Every temporary file and folder of a `zonalflow` run (the private view of
// a GeoPackage, zf-gpkg-*; a job's spools, zonalflow-job-*; a local run's stand-ins and Lambda /tmp; those of
// its threads) is made under one folder the main thread creates at start, `$TMPDIR/zonalflow-run-*`, and
// removes when the process exits, however it exits: the job's end, an error, Ctrl-C or SIGTERM (once the
// job's own cleanup has run, or at once on a second signal), a closed output pipe (EPIPE), a thread that
// died; so are the temporary files beside an output that a thread announced and had not yet renamed or removed. Each module still removes what it makes as it goes; this folder is what is left of an exit that
// skipped that cleanup. Only SIGKILL (no handler runs) can leave it behind.
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';

/** The channel on which every thread announces its temporary files beside an output (shared/output/live-temps.ts LIVE_TEMPS_CHANNEL). */
export const LIVE_TEMPS_CHANNEL = 'zonalflow-live-temps';

/** The environment variable that names the run's folder (cli/interrupt.ts: a second signal still removes it). */
export const RUN_TMP_ENV = 'ZONALFLOW_RUN_TMP';

/** The environment variable that keeps the TMPDIR the run was given (tsx's compile cache stays there). */
export const OUTER_TMP_ENV = 'ZONALFLOW_OUTER_TMP';

/** Exit codes of the signals a shell reports (128 + the signal's number). */
const SIGNAL_EXITS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * On the main thread, at start: creates the run's folder, makes it the temporary folder of this process, of
 * the threads it starts and of their children (TMPDIR, TMP, TEMP: os.tmpdir()), and removes it on exit.
 * A signal that nothing else handles (before or after a job's own handlers: cli/interrupt.ts) ends the run
 * with the shell's exit code through `process.exit`, so that the folder is removed then too.
 */
export function useRunTmp() {
  const outer = tmpdir();
  const dir = mkdtempSync(join(outer, 'zonalflow-run-'));
  // the temporary files beside an output (`<out>.zonalflow-<pid>-*.tmp`) that a thread has and has not yet renamed
  // or removed: removed on exit too, for an exit that does not wait for that thread's cleanup (a closed pipe)
  const temps = new Set();
  const channel = new BroadcastChannel(LIVE_TEMPS_CHANNEL);
  channel.unref();
  channel.onmessage = ({ data }) => {
    if (typeof data?.add === 'string') temps.add(data.add);
    else if (typeof data?.remove === 'string') temps.delete(data.remove);
  };
  process.on('exit', () => {
    for (const path of temps) {
      try {
        unlinkSync(path); // renamed into place meanwhile (its `remove` not yet read): ENOENT, nothing removed
      } catch {
        // gone already, or not ours to remove any more
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  process.env[OUTER_TMP_ENV] = outer;
  process.env[RUN_TMP_ENV] = dir;
  for (const v of ['TMPDIR', 'TMP', 'TEMP']) process.env[v] = dir;
  for (const [name, code] of Object.entries(SIGNAL_EXITS)) {
    process.on(name, () => {
      if (process.listenerCount(name) === 1) process.exit(code);
    });
  }
  return dir;
}

/** Runs `fn` with the TMPDIR the run was given (tsx's compile cache must outlive the run's folder). */
export async function withOuterTmp(fn) {
  const outer = process.env[OUTER_TMP_ENV];
  if (outer === undefined) return fn();
  const inner = { TMPDIR: process.env.TMPDIR, TMP: process.env.TMP, TEMP: process.env.TEMP };
  for (const v of Object.keys(inner)) process.env[v] = outer;
  try {
    return await fn();
  } finally {
    for (const [v, value] of Object.entries(inner)) if (value !== undefined) process.env[v] = value;
  }
}
