/** Failure handler (the state machine's Catch): marks the job FAILED with its cause (a job that already ended is left as it is). */
import { FailInputSchema } from '../shared/pipeline/events';
import { markJobFailed } from '../shared/pipeline/fail';
import { handlerDeps } from '../shared/pipeline/deps';
import { classifyTransient } from '../shared/pipeline/transient';
import { eventKeys, stageLogger } from '../shared/pipeline/log';

/** Lambda entry point. */
export async function handler(event: unknown): Promise<{ jobId: string; error: { code: string; message: string }; unchanged?: string; recordError?: string }> {
  const log = stageLogger('fail', eventKeys(event));
  const r = await classifyTransient('MarkFailed', () => {
    const deps = handlerDeps();
    return markJobFailed(FailInputSchema.parse(event), { s3: deps.s3, tracker: deps.store, outputBucket: deps.config.outputBucket, log: (message, context) => log.error(message, context) });
  });
  if (r.unchanged) log.warn(`job already ${r.unchanged}: left as it is`, { jobId: r.jobId, error: r.error });
  else log.error('job failed', { jobId: r.jobId, error: r.error });
  return r;
}
