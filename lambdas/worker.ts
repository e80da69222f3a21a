/** Worker handler: one batch (one manifest item), stopping cleanly before the Lambda timeout. */
import { WorkerInputSchema } from '../shared/pipeline/events';
import type { WorkerOutput } from '../shared/pipeline/events';
import { runBatch } from '../shared/pipeline/worker';
import { handlerDeps } from '../shared/pipeline/deps';

/** Lambda entry point. */
export async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<WorkerOutput> {
  const deps = handlerDeps();
  const remaining = context?.getRemainingTimeInMillis;
  return runBatch(WorkerInputSchema.parse(event), {
    s3: deps.s3,
    tracker: deps.store,
    outputBucket: deps.config.outputBucket,
    workPrefix: deps.config.workPrefix,
    allowed: deps.config.allowed,
    ...(remaining ? { remainingMs: () => remaining() } : {}),
  });
}
