/** Failure handler (the state machine's Catch): marks the job FAILED with its cause. */
import { FailInputSchema } from '../shared/pipeline/events';
import { markJobFailed } from '../shared/pipeline/fail';
import { handlerDeps } from '../shared/pipeline/deps';

/** Lambda entry point. */
export async function handler(event: unknown): Promise<{ jobId: string; error: { code: string; message: string } }> {
  const deps = handlerDeps();
  return markJobFailed(FailInputSchema.parse(event), { s3: deps.s3, tracker: deps.store, outputBucket: deps.config.outputBucket });
}
