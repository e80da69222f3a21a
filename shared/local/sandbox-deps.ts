/**
 * The handlers' dependencies (their S3 and DynamoDB clients: shared/pipeline/deps.ts) kept per warm Lambda sandbox.
 * On AWS a function's module scope lives as long as its execution environment, and the environment's credentials
 * (its role's session, given at init in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) with it, so the clients a handler
 * makes at its first invocation serve the sandbox's later ones. Locally several sandboxes share one thread's module
 * scope (lambda-thread.ts) and each signs with its own session (runner.ts): the clients are kept per sandbox, by its
 * access key id, and made again only for a new sandbox (its first invocation, or one after a timeout or a crash, whose
 * sandbox Lambda discards).
 *
 * A new sandbox also starts without the Worker's warm state (its decoded tiles, warm-tiles.ts, and parsed raster
 * headers, raster-headers.ts), as a new Lambda execution environment starts with empty module state: the thread's
 * warm state is dropped at a sandbox's first invocation, which makes its own. A sandbox's later invocations use the
 * thread's warm state, which the thread's other sandboxes share (warmer than on AWS, where each keeps its own; the
 * memory of one set a thread, not one a sandbox). So a batch that starts a sandbox reads every header and tile it
 * needs, as `zonalflow estimate` counts them (each batch in a cold environment).
 */
import { cachedHandlerDeps, useHandlerDeps } from '../pipeline/deps';
import type { HandlerDeps } from '../pipeline/deps';
import { forgetWarmTiles } from '../pipeline/warm-tiles';
import { forgetWarmHeaders } from '../pipeline/raster-headers';

const kept = new Map<string, HandlerDeps>();

/**
 * Calls `handler` with the dependencies of sandbox `key` (made by the handler from the environment, and kept, at the
 * sandbox's first invocation). A handler takes its dependencies (handlerDeps()) before its first await, as the
 * handlers in lambdas/ do, so the ones it made are the cached ones when `handler` returns its promise. A sandbox
 * without kept dependencies is new: the Worker's warm tiles and headers are dropped before it runs.
 */
export function inSandbox<T>(key: string, handler: () => Promise<T>): Promise<T> {
  const deps = kept.get(key);
  if (deps === undefined) {
    // a new sandbox: cold, its warm state made afresh by its first invocation
    forgetWarmTiles();
    forgetWarmHeaders();
  }
  useHandlerDeps(deps ?? null);
  const running = handler();
  const made = cachedHandlerDeps();
  if (made) kept.set(key, made);
  return running;
}

/** Forgets the dependencies of a discarded sandbox. */
export function retireSandbox(key: string): void {
  kept.delete(key);
}

/** Forgets every sandbox's dependencies (the end of a run). */
export function retireSandboxes(): void {
  kept.clear();
  useHandlerDeps(null);
}
