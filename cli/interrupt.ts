/**
 * Ctrl-C (SIGINT) and SIGTERM during a job: the first signal aborts the job through its AbortSignal
 * (its `finally` blocks close the layers and remove the temporary folders, the output sink removes its
 * `.tmp`), then the command throws `InterruptedError` (exit 130 or 143, the shell's 128 + signal number);
 * a second signal exits at once, without waiting for that cleanup (it removes the output's `.tmp` itself, synchronously).
 */
import { InterruptedError } from '../shared/errors';
import { removeTempsSync } from '../shared/output/live-temps';

/** The signals handled. */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** A job's interruption: its AbortSignal and the handlers' removal. */
export interface Interruption {
  /** Aborted (reason: an InterruptedError) on the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** The InterruptedError when a signal came, else null. */
  interrupted(): InterruptedError | null;
  /** Removes the handlers (the default behaviour of the signals is back). */
  dispose(): void;
}

/**
 * Handles SIGINT and SIGTERM until `dispose()`. `stderr` gets one line when a second signal
 * ends the process at once.
 */
export function interruptOnSignals(stderr: NodeJS.WritableStream): Interruption {
  const controller = new AbortController();
  let reason: InterruptedError | null = null;
  const handlers = SIGNALS.map((name) => {
    const handler = (): void => {
      if (reason === null) {
        reason = new InterruptedError(name);
        controller.abort(reason);
        return;
      }
      const code = new InterruptedError(name).exitCode;
      // the output's `.tmp` beside --out now (the job's cleanup is skipped); under bin/zonalflow.mjs the run's
      // temporary folder is removed as the process exits (bin/run-tmp.mjs)
      const left = removeTempsSync();
      const removed = process.env.ZONALFLOW_RUN_TMP !== undefined;
      const what = left.length > 0 ? `temporary files left behind: ${left.join(', ')}` : removed ? 'temporary files removed' : 'temporary files may be left behind';
      stderr.write(`zonalflow: interrupted again (${name}): exiting at once; ${what}\n`);
      process.exit(code);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    interrupted: () => reason,
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

/**
 * Runs `job` with an interruption: after a signal, whatever error the aborted job ends with becomes an
 * InterruptedError whose message ends with `detail` (what its cleanup did), once that cleanup has run.
 * A job that completes although a signal came (too late to stop it) returns as usual.
 */
export async function withInterruption<T>(stderr: NodeJS.WritableStream, detail: string, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const i = interruptOnSignals(stderr);
  try {
    return await job(i.signal);
  } catch (err) {
    const stopped = i.interrupted();
    throw stopped ? new InterruptedError(stopped.signal, detail, { cause: err }) : err;
  } finally {
    i.dispose();
  }
}
