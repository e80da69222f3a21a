/**
 * Warm Lambda sandboxes on worker threads, so that `zonalflow local` runs the functions'
 * invocations (Plan, a Distributed Map's Workers on every core, Collect) apart from the main
 * thread, which serves the S3/DynamoDB stand-ins and their IAM gates meanwhile. Each thread
 * (lambda-thread.ts) takes several invocations at once; an invocation goes to the thread that took
 * the one before while that thread runs at most one more than the least busy, else to the least
 * busy: consecutive Map items (Plan writes them in spatial order) then mostly share a thread and the
 * Worker's warm tiles (warm-tiles.ts), and the threads stay balanced within one. What the runner enforces around an invocation (IAM sessions,
 * timeouts, faults, /tmp, payload sizes) is unchanged: it happens in the main thread, around the
 * promise `invoke` returns, and in the gates every request passes. The thread runs from the
 * TypeScript sources (through tsx's loader) or from the compiled `dist/lambda-thread.mjs`, as the
 * runner itself does.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { projectRoot } from '../project-root';
import type { HandlerName } from './handlers';
import type { ThreadReply, ThreadRequest } from './lambda-thread';

/** The answer of an invocation: its output, or an Error with the handler's error name and message. */
export interface PoolResult { output: unknown; peakBytes: number }

interface Slot { worker: Worker; running: number; failed: Error | null; ready: Promise<void> }

/** How a thread starts: the compiled entry when this module runs compiled, else the source through tsx. */
function threadSource(): { code: string; eval: true } | { file: string; eval: false } {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) {
    const file = join(projectRoot(import.meta.dirname), 'dist', 'lambda-thread.mjs');
    if (existsSync(file)) return { file, eval: false };
  }
  const entry = pathToFileURL(join(import.meta.dirname, 'lambda-thread.ts')).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return { code: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, eval: true };
}

/** A pool of `size` threads started with environment `env`. */
export class LambdaPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, { resolve: (r: PoolResult) => void; reject: (e: Error) => void; slot: Slot }>();
  private seq = 0;
  /** The thread that took the last invocation. */
  private last: Slot | null = null;

  constructor(readonly size: number, env: Record<string, string | undefined>) {
    const src = threadSource();
    for (let i = 0; i < size; i++) {
      const worker = src.eval ? new Worker(src.code, { eval: true, env }) : new Worker(src.file, { env });
      let ready!: () => void;
      const slot: Slot = { worker, running: 0, failed: null, ready: new Promise<void>((r) => (ready = r)) };
      worker.on('message', (reply: ThreadReply) => {
        if ('ready' in reply) {
          ready();
          return;
        }
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        slot.running--;
        if (reply.ok) p.resolve({ output: reply.output, peakBytes: reply.peakBytes });
        else p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, peakBytes: reply.peakBytes }, reply.error.isCatchable === undefined ? {} : { isCatchable: reply.error.isCatchable }));
      });
      const fail = (err: Error): void => {
        // the thread died (out of memory, a crash of the runtime): its invocations fail as Lambda reports a dead runtime
        slot.failed = err;
        ready();
        for (const [id, p] of this.pending) {
          if (p.slot !== slot) continue;
          this.pending.delete(id);
          p.reject(Object.assign(new Error(`Runtime exited with error: ${err.message}`), { name: 'Runtime.ExitError' }));
        }
      };
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`exit status ${code}`)));
      worker.unref();
      this.slots.push(slot);
    }
  }

  /** Resolves when every thread has loaded the Worker's code (or died): the init phase, before any invocation's timer. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /** Runs `handler` on `input` in the least busy thread with `layer` over its environment. */
  invoke(handler: HandlerName, input: unknown, layer: Record<string, string>, opts: { requestId: string; deadline: number; scale: number }): Promise<PoolResult> {
    const live = this.slots.filter((s) => s.failed === null);
    const least = live.reduce<Slot | null>((best, s) => (best === null || s.running < best.running ? s : best), null);
    const slot = least && this.last && this.last.failed === null && this.last.running <= least.running + 1 ? this.last : least;
    this.last = slot;
    if (!slot) return Promise.reject(Object.assign(new Error('no Lambda thread is alive'), { name: 'Runtime.ExitError' }));
    const id = ++this.seq;
    slot.running++;
    return new Promise<PoolResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      const req: ThreadRequest = { id, handler, input, layer, requestId: opts.requestId, deadline: opts.deadline, scale: opts.scale };
      slot.worker.postMessage(req);
    });
  }

  /** Stops every thread. */
  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
