/** The Lambda handlers by name, loaded from source (the local runner and `zonalflow invoke` run them in-process). */

/** The handlers. */
export const HANDLERS = ['plan', 'worker', 'collect', 'fail'] as const;
export type HandlerName = (typeof HANDLERS)[number];
/** A handler as called in-process. */
export type Handler = (event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => Promise<unknown>;

/** Loads one handler. */
export async function loadHandler(name: HandlerName): Promise<Handler> {
  const mods: Record<HandlerName, () => Promise<{ handler: Handler }>> = {
    plan: () => import('../../lambdas/plan'),
    worker: () => import('../../lambdas/worker'),
    collect: () => import('../../lambdas/collect'),
    fail: () => import('../../lambdas/fail'),
  };
  return (await mods[name]()).handler;
}
