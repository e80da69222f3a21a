/**
 * The prepare thread (started by prepare-thread.ts): phase 1 of `zonalflow stats` (prepare-job.ts:
 * features read, checked, reprojected with PROJ and spooled in spatial order), then the spool's run
 * files are handed to the main thread and this thread ends, taking PROJ's WebAssembly memory and the
 * feature reader's with it. Messages: one PrepareRequest in (and PrepareAbort when the job is aborted);
 * `head`, then `done` or `failed` out.
 */
import { parentPort } from 'node:worker_threads';
import type { CountingSource } from '../io/source.counting';
import { SourceError, ZonalflowError } from '../errors';
import { prepareJob } from './prepare-job';
import type { PrepareAbort, PrepareFailure, PrepareReply, PrepareRequest } from './prepare-thread';

const port = parentPort;
if (port === null) throw new Error('prepare-worker.ts runs as a worker thread');

function failure(err: unknown): PrepareFailure {
  return {
    ...(err instanceof ZonalflowError && Object.keys(err.context).length > 0 ? { context: cloneable(err.context) } : {}),
    name: err instanceof Error ? err.name : 'Error',
    code: err instanceof ZonalflowError ? err.code : null,
    message: err instanceof Error ? err.message : String(err),
    ...(err instanceof SourceError && err.status !== undefined ? { status: err.status } : {}),
  };
}

/** The context's plain values (what structured clone carries; anything else is dropped). */
function cloneable(context: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(context).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v) || (typeof v === 'object' && !(v instanceof Error))));
}

const post = (m: PrepareReply): void => port.postMessage(m);

const aborted = new AbortController();
port.on('message', (m: PrepareRequest | PrepareAbort) => {
  if ('kind' in m) {
    aborted.abort(new ZonalflowError('ABORTED', 'the job was aborted'));
    return;
  }
  const counters: CountingSource[] = [];
  void (async () => {
    try {
      const job = await prepareJob({ ...m, signal: aborted.signal }, (head) => {
        post({ kind: 'head', head });
        return Promise.resolve();
      }, counters);
      const spilled = await job.records.detach();
      post({ kind: 'done', tail: job.tail, spilled });
    } catch (err) {
      const f = failure(err);
      try {
        post({ kind: 'failed', error: f });
      } catch {
        post({ kind: 'failed', error: { ...f, context: undefined } }); // a context that cannot be cloned
      }
    } finally {
      await Promise.all(counters.map((c) => c.close().catch(() => undefined)));
      port.close();
    }
  })();
});
