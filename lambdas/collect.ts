/** Collect handler: merges the parts, writes the summary, sets the final status. Returns a small result (state payload limit). */
import { CollectInputSchema } from '../shared/pipeline/events';
import { collectJob } from '../shared/pipeline/collect';
import { handlerDeps } from '../shared/pipeline/deps';
import { classifyTransient } from '../shared/pipeline/transient';
import { eventKeys, stageLogger } from '../shared/pipeline/log';

/** Lambda entry point. */
export async function handler(event: unknown): Promise<{ jobId: string; status: string; features: unknown; batches: unknown; outputs: Record<string, string> }> {
  const log = stageLogger('collect', eventKeys(event));
  try {
    const s = await classifyTransient('Collect', () => {
      const deps = handlerDeps();
      return collectJob(CollectInputSchema.parse(event), { s3: deps.s3, tracker: deps.store, outputBucket: deps.config.outputBucket, workPrefix: deps.config.workPrefix });
    });
    log.info('collected', { status: s.status, features: s.features, batches: s.batches });
    return { jobId: s.jobId, status: s.status, features: s.features, batches: s.batches, outputs: s.outputs };
  } catch (err) {
    log.error('collect failed', { error: err as Error });
    throw err;
  }
}
