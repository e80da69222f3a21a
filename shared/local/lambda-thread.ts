/**
 * One worker thread of `zonalflow local`'s Lambda pool (lambda-pool.ts): a warm Lambda sandbox
 * that runs invocations of the handlers it is sent, several at once, each with its own environment
 * layer (the function's variables and its session's credentials: scoped-env.ts), as the runner
 * does in-process. It reports each invocation's result or error (name, message) and the peak
 * memory attributed to it (this thread's JS heap and external memory above what it holds idle, shared
 * among the invocations running).
 */
import { parentPort } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { installPolyfills } from './polyfills';
import { installScopedEnv, withEnv } from './scoped-env';
import { loadHandler } from './handlers';
import type { HandlerName } from './handlers';
import { inSandbox, retireSandbox } from './sandbox-deps';
import { ensureProj } from '../crs/transform';

/** An invocation sent to the thread: `sandbox` names the warm sandbox it runs in (sandbox-deps.ts), `layer` is that sandbox's environment. */
export interface ThreadRequest { id: number; handler: HandlerName; input: unknown; layer: Record<string, string>; sandbox: string; requestId: string; deadline: number; scale: number }

/** A discarded sandbox (its invocation timed out or crashed): the thread forgets its clients. */
export interface RetireRequest { retire: string }

/** The thread's answer to an invocation. */
export type InvocationReply =
  | { id: number; ok: true; output: unknown; peakBytes: number }
  | { id: number; ok: false; error: { name: string; message: string; isCatchable?: boolean }; peakBytes: number };

/** What the thread posts: `ready` once the Worker's code is loaded, then the invocations' answers. */
export type ThreadReply = { id: 0; ready: true } | InvocationReply;

const port = parentPort;
if (port) {
  // Node's warnings as the `zonalflow` command prints them (bin/zonalflow.mjs): the AWS SDK's notice that its 2027
  // releases need Node 22 is not actionable, and `zonalflow local --quiet` prints nothing but its result line
  process.removeAllListeners('warning');
  process.on('warning', (w) => {
    if (w.name !== 'NodeVersionSupportWarning' && !w.message.startsWith('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
  });
  installPolyfills();
  installScopedEnv();
  // V8's own figures (JS heap + external memory: buffers, typed arrays): process.memoryUsage() also reads the
  // resident size from /proc, which waits on the address-space lock while other threads map and unmap memory
  const heap = (): number => {
    const h = getHeapStatistics();
    return h.used_heap_size + h.external_memory;
  };
  let baseline = heap();
  const running = new Map<number, { peak: number }>();
  const sample = (): void => {
    const h = heap();
    if (running.size === 0) {
      baseline = Math.min(baseline, h);
      return;
    }
    const share = Math.max(0, h - baseline) / running.size;
    for (const r of running.values()) r.peak = Math.max(r.peak, share);
  };
  setInterval(sample, 50).unref();
  // warm: the Worker's code and PROJ (WebAssembly, seconds to load) ready before the first invocation, as in a warm
  // sandbox, so that a time-scaled timeout (--time-scale) does not measure a thread's start
  // (a load that fails is reported by each invocation, which loads it again)
  void loadHandler('worker')
    .then(() => ensureProj())
    .catch(() => undefined)
    .then(() => {
      // the warm sandbox's own memory (PROJ's WebAssembly memory is external memory) is not an invocation's
      if (running.size === 0) baseline = heap();
      port.postMessage({ id: 0, ready: true } satisfies ThreadReply);
    });
  port.on('message', (m: ThreadRequest | RetireRequest) => {
    if ('retire' in m) {
      retireSandbox(m.retire);
      return;
    }
    const inv = { peak: 0 };
    running.set(m.id, inv);
    const context = { awsRequestId: m.requestId, getRemainingTimeInMillis: () => (m.deadline - Date.now()) / m.scale };
    void (async (): Promise<InvocationReply> => {
      try {
        const handler = await loadHandler(m.handler);
        const output = await withEnv(m.layer, () => inSandbox(m.sandbox, () => handler(m.input, context)));
        sample();
        return { id: m.id, ok: true, output, peakBytes: inv.peak };
      } catch (err) {
        sample();
        const e: Error & { isCatchable?: boolean } = err instanceof Error ? err : new Error(String(err));
        return { id: m.id, ok: false, error: { name: e.name, message: e.message, ...(e.isCatchable === undefined ? {} : { isCatchable: e.isCatchable }) }, peakBytes: inv.peak };
      } finally {
        running.delete(m.id);
      }
    })().then((reply) => {
      try {
        port.postMessage(reply);
      } catch (err) {
        // an answer that cannot be cloned (Lambda answers JSON): reported as the invocation's error
        port.postMessage({ id: m.id, ok: false as const, error: { name: 'Runtime.MarshalError', message: `the handler's answer cannot be serialized: ${err instanceof Error ? err.message : String(err)}` }, peakBytes: reply.peakBytes } satisfies InvocationReply);
      }
    });
  });
}
