/**
 * The temporary files beside an output (`<out>.zonalflow-<pid>-*.tmp`, file-output.ts) that exist right now
 * in this thread, so that an exit that skips the job's cleanup (a second Ctrl-C, cli/interrupt.ts) can still
 * remove them, synchronously, as the run's temporary folder is (bin/run-tmp.mjs). Each is also announced on
 * {@link LIVE_TEMPS_CHANNEL}: the `zonalflow` command's main thread removes those still there when the process
 * exits, also when it ends at once while the job thread is busy (a closed output pipe: bin/output-errors.mjs).
 */
import { unlinkSync } from 'node:fs';
import { BroadcastChannel } from 'node:worker_threads';

/** The channel name (bin/run-tmp.mjs listens on it; a unit test keeps the two equal). */
export const LIVE_TEMPS_CHANNEL = 'zonalflow-live-temps';

const live = new Set<string>();
let channel: BroadcastChannel | null = null;

/** Tells the main thread (`{ add }` or `{ remove }`); the channel never keeps a thread alive. */
function announce(message: { add: string } | { remove: string }): void {
  if (channel === null) {
    channel = new BroadcastChannel(LIVE_TEMPS_CHANNEL);
    channel.unref();
  }
  channel.postMessage(message);
}

/** `path` may exist from now on (before it is opened). */
export function trackTemp(path: string): void {
  live.add(path);
  announce({ add: path });
}

/** `path` was renamed into place or removed. */
export function untrackTemp(path: string): void {
  live.delete(path);
  announce({ remove: path });
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
