/** Worker handler: one batch (one manifest item), stopping cleanly before the Lambda timeout. */
import { WorkerInputSchema } from '../shared/pipeline/events';
import type { WorkerOutput } from '../shared/pipeline/events';
import { runBatch } from '../shared/pipeline/worker';
import { handlerDeps } from '../shared/pipeline/deps';
import { warmTiles } from '../shared/pipeline/warm-tiles';
import { warmHeaders } from '../shared/pipeline/raster-headers';
import { classifyTransient } from '../shared/pipeline/transient';
import { eventKeys, stageLogger } from '../shared/pipeline/log';

/** Lambda entry point. */
export async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<WorkerOutput> {
  const log = stageLogger('worker', eventKeys(event));
  const remaining = context?.getRemainingTimeInMillis;
  try {
    const out = await classifyTransient('Worker', () => {
      const deps = handlerDeps();
      return runBatch(WorkerInputSchema.parse(event), {
        s3: deps.s3,
        tracker: deps.store,
        outputBucket: deps.config.outputBucket,
        workPrefix: deps.config.workPrefix,
        allowed: deps.config.allowed,
        sharedTiles: warmTiles(process.env),
        rasterHeaders: warmHeaders(),
        ...(remaining ? { remainingMs: () => remaining() } : {}),
      });
    });
    log.info('batch finished', { status: out.status, featuresDone: out.featuresDone, featuresFailed: out.featuresFailed });
    return out;
  } catch (err) {
    log.error('batch stopped', { error: err as Error });
    throw err;
  }
}
