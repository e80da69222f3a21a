/**
 * Per-sandbox environment variables for handlers running concurrently in
 * one process. Lambda gives each function's execution environment its own
 * environment and role credentials; in-process, `process.env` is shared, so `installScopedEnv`
 * replaces it (for the duration of a local run) with a view that reads the
 * variables of the invocation whose async context is current
 * (AsyncLocalStorage) before the process's own. The AWS SDK's credential and
 * region providers read `process.env` when a client first needs them, inside
 * the handler's async context: each sandbox's clients (kept across its
 * invocations: sandbox-deps.ts) sign with its own session's keys. (`os.tmpdir()` reads the real environment, not this view.)
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<Record<string, string>>();

/** Runs `fn` with `env` layered over process.env for everything it calls. */
export function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  return scope.run(env, fn);
}

/** Replaces process.env with the scoped view; returns the function that restores the original. */
export function installScopedEnv(): () => void {
  const original = process.env;
  const view = new Proxy(original, {
    get(target, key) {
      const layer = scope.getStore();
      if (layer && typeof key === 'string' && Object.hasOwn(layer, key)) return layer[key];
      return Reflect.get(target, key) as unknown;
    },
    has(target, key) {
      const layer = scope.getStore();
      return (layer !== undefined && typeof key === 'string' && Object.hasOwn(layer, key)) || Reflect.has(target, key);
    },
    ownKeys(target) {
      const layer = scope.getStore();
      return [...new Set([...Reflect.ownKeys(target), ...(layer ? Object.keys(layer) : [])])];
    },
    getOwnPropertyDescriptor(target, key) {
      const layer = scope.getStore();
      if (layer && typeof key === 'string' && Object.hasOwn(layer, key)) return { value: layer[key], writable: true, enumerable: true, configurable: true };
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
  process.env = view;
  return () => {
    process.env = original;
  };
}
