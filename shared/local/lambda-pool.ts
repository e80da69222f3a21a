/**
 * Warm Lambda sandboxes on worker threads, so that `zonalflow local` runs the functions'
 * invocations (Plan, a Distributed Map's Workers, Collect) apart from the main
 * thread, which serves the S3/DynamoDB stand-ins and their IAM gates meanwhile. Each thread
 * (lambda-thread.ts) takes several invocations at once; an invocation goes to the thread that took
 * the one before (or, for a Map item, to the thread of its stripe: distributed-map.ts) while that thread
 * runs at most one more than the least busy, else to the least busy: consecutive Map items (Plan writes
 * them in spatial order) then share a thread and the Worker's warm tiles (warm-tiles.ts), and the
 * threads stay balanced within one. Only warm threads take
 * invocations; the first thread starts at once, the others once it is warm (Plan needs one). What the runner enforces around an invocation (IAM sessions,
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
import type { RetireRequest, ThreadReply, ThreadRequest } from './lambda-thread';

/** The answer of an invocation: its output, or an Error with the handler's error name and message. */
export interface PoolResult { output: unknown; peakBytes: number }

interface Slot { worker: Worker; running: number; failed: Error | null; ready: Promise<void>; warm: boolean }

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

/**
 * The Lambda threads of a local run on a machine of `cores` cores: one fewer than the cores (at least 1, at most 4).
 * The rest of the run needs about a core of its own: the main thread's stand-ins and gates, V8's optimizing
 * compiler and GC threads (busy for every isolate: each Lambda thread compiles the same code again) and libuv's
 * inflate. On a 2-core machine (the 100k bench, interleaved rounds under chrt, bench/HISTORY.md) one thread instead
 * of two took about the same wall time (medians 8.42 vs 8.60 s) for 1.5 CPU s less and ~180 MB less peak RSS: with
 * two, both cores ran two Lambda isolates' JavaScript and V8 compiled the same code for each; with three Map children
 * on it (runner.ts) the run took 8.18 s against main's 8.40 s (medians of 5 rounds), 13.3 against 14.8 CPU s.
 */
export function defaultLambdaThreads(cores: number): number {
  return Math.max(1, Math.min(4, Math.floor(cores) - 1));
}

/** A pool of `size` threads started with environment `env`. */
export class LambdaPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, { resolve: (r: PoolResult) => void; reject: (e: Error) => void; slot: Slot }>();
  private seq = 0;
  /** The thread that took the last invocation. */
  private last: Slot | null = null;

  /** Resolves once every thread has been started (the first at once, the others once the first is warm). */
  private readonly started: Promise<void>;
  private closed = false;

  /**
   * Starts `size` threads with environment `env`: the first at once, the others once it is warm (or dead). A
   * run's first invocation (Plan) needs one thread only; loading the others meanwhile (their code, PROJ's
   * WebAssembly) took the cores the first one and the runner's uploads needed, and delayed Plan; while Plan
   * runs, a core is free for them.
   */
  constructor(readonly size: number, env: Record<string, string | undefined>) {
    const src = threadSource();
    const first = this.startThread(src, env);
    this.started = first.ready.then(() => {
      for (let i = 1; i < size && !this.closed; i++) this.startThread(src, env);
    });
  }

  private startThread(src: ReturnType<typeof threadSource>, env: Record<string, string | undefined>): Slot {
    const worker = src.eval ? new Worker(src.code, { eval: true, env }) : new Worker(src.file, { env });
    let ready!: () => void;
    const slot: Slot = { worker, running: 0, failed: null, warm: false, ready: new Promise<void>((r) => (ready = r)) };
    worker.on('message', (reply: ThreadReply) => {
      if ('ready' in reply) {
        slot.warm = true;
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
    return slot;
  }

  /** Resolves when every thread has loaded the Worker's code (or died): the init phase, before any invocation's timer. */
  async ready(): Promise<void> {
    await this.started;
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /**
   * Resolves once some thread is warm and alive (or none can become so): an invocation need not wait for
   * every thread's init, only for the one it runs on (Plan starts while the other threads still load).
   */
  async available(): Promise<void> {
    for (;;) {
      if (this.slots.some((s) => s.warm && s.failed === null)) return;
      const loading = this.slots.filter((s) => !s.warm && s.failed === null);
      if (loading.length === 0) return;
      await Promise.race(loading.map((s) => s.ready));
    }
  }

  /**
   * Runs `handler` on `input` in the least busy warm thread, in sandbox `opts.sandbox` (its clients kept on that
   * thread: sandbox-deps.ts) with `layer` over its environment (threads still loading take none).
   */
  invoke(handler: HandlerName, input: unknown, layer: Record<string, string>, opts: { sandbox: string; requestId: string; deadline: number; scale: number; prefer?: number }): Promise<PoolResult> {
    const alive = this.slots.filter((s) => s.failed === null);
    const warm = alive.filter((s) => s.warm);
    const live = warm.length > 0 ? warm : alive;
    const least = live.reduce<Slot | null>((best, s) => (best === null || s.running < best.running ? s : best), null);
    // the thread asked for (a Map item's stripe), else the one that took the last invocation, while it runs at most one more than the least busy
    const preferred = opts.prefer === undefined ? this.last : (this.slots[opts.prefer % this.slots.length] ?? null);
    const slot = least && preferred && live.includes(preferred) && preferred.running <= least.running + 1 ? preferred : least;
    this.last = slot;
    if (!slot) return Promise.reject(Object.assign(new Error('no Lambda thread is alive'), { name: 'Runtime.ExitError' }));
    const id = ++this.seq;
    slot.running++;
    return new Promise<PoolResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      const req: ThreadRequest = { id, handler, input, layer, sandbox: opts.sandbox, requestId: opts.requestId, deadline: opts.deadline, scale: opts.scale };
      slot.worker.postMessage(req);
    });
  }

  /** Tells every thread that sandbox `key` was discarded (its clients are dropped). */
  retire(key: string): void {
    for (const s of this.slots) if (s.failed === null) s.worker.postMessage({ retire: key } satisfies RetireRequest);
  }

  /** Stops every thread. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
