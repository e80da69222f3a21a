/** Plan handler: validates the event and runs `planJob`. */
import { parsePlanEvent } from '../shared/pipeline/events';
import type { PlanOutput } from '../shared/pipeline/events';
import { planJob, preloadPlanModules } from '../shared/pipeline/plan';
import { handlerDeps } from '../shared/pipeline/deps';
import { classifyTransient } from '../shared/pipeline/transient';
import { eventKeys, stageLogger } from '../shared/pipeline/log';

// init: the input's readers and the batching start loading (planJob awaits them after its first requests)
preloadPlanModules();

/** Lambda entry point. */
export async function handler(event: unknown): Promise<PlanOutput> {
  const log = stageLogger('plan', eventKeys(event));
  try {
    const out = await classifyTransient('Plan', async () => {
      const deps = handlerDeps();
      return planJob(parsePlanEvent(event), { s3: deps.s3, tracker: deps.store, outputBucket: deps.config.outputBucket, workPrefix: deps.config.workPrefix, defaultSpec: await deps.defaultSpec(), allowed: deps.config.allowed, limits: deps.config.limits, log: (m) => log.info(m) });
    });
    log.appendKeys({ jobId: out.jobId });
    log.info(out.duplicate ? `not planned: ${out.duplicateReason ?? 'duplicate upload'}` : 'planned', { batches: out.batches, features: out.features });
    return out;
  } catch (err) {
    log.error('plan failed', { error: err as Error });
    throw err;
  }
}
