/** Plan handler: validates the event and runs `planJob`. */
import { PlanInputSchema } from '../shared/pipeline/events';
import type { PlanOutput } from '../shared/pipeline/events';
import { planJob } from '../shared/pipeline/plan';
import { handlerDeps } from '../shared/pipeline/deps';

/** Lambda entry point. */
export async function handler(event: unknown): Promise<PlanOutput> {
  const deps = handlerDeps();
  return planJob(PlanInputSchema.parse(event), { s3: deps.s3, tracker: deps.store, outputBucket: deps.config.outputBucket, workPrefix: deps.config.workPrefix, defaultSpec: deps.config.defaultSpec, allowed: deps.config.allowed, limits: deps.config.limits });
}
