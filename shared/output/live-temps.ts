/**
 * The temporary files beside an output (`<out>.zonalflow-<pid>-*.tmp`, file-output.ts) that exist right now
 * in this thread, so that an exit that skips the job's cleanup (a second Ctrl-C, cli/interrupt.ts) can still
 * remove them, synchronously, as the run's temporary folder is (bin/run-tmp.mjs).
 */
import { unlinkSync } from 'node:fs';

const live = new Set<string>();

/** `path` may exist from now on (before it is opened). */
export function trackTemp(path: string): void {
  live.add(path);
}

/** `path` was renamed into place or removed. */
export function untrackTemp(path: string): void {
  live.delete(path);
}

/** Removes every tracked temporary file now; returns those that could not be removed (a missing one is removed). */
export function removeTempsSync(): string[] {
  const left: string[] = [];
  for (const path of live) {
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENOENT') left.push(path);
    }
    live.delete(path);
  }
  return left;
}
