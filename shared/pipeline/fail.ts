/**
 * The state machine's Catch: marks the job FAILED with the cause (the error
 * name and message Step Functions caught), creating the job record when Plan
 * failed before it could, and writes a `summary.json` that says why.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { FailInput, JobStatus } from './events';
import { PlanInputSchema } from './events';
import { putJson } from './objects';
import { NO_SPEC_DIGEST, jobIdFor } from './keys';
import type { PlanInput } from './events';
import type { JobTracker, UploadClaim } from './tracker';
import { namedInput, printableInputName } from './input-name';
import { isTerminal } from '../jobs/records';
import { JobStoreError } from '../jobs/error';

/** What the failure handler needs; `log` is told what the handler could not record (the job record's creation). */
export interface FailDeps { s3: S3Client; tracker: JobTracker; outputBucket: string; log?: (message: string, context: Record<string, unknown>) => void }

/** True for createJob's refusal of a record that exists (store.ts: a ConditionalCheckFailedException as its cause). */
function recordExists(err: unknown): boolean {
  const cause = (err as { cause?: { name?: unknown } } | null)?.cause;
  return err instanceof JobStoreError && cause?.name === 'ConditionalCheckFailedException';
}

/** The readable cause of a Step Functions error ({Error, Cause}; Cause is often a JSON string from Lambda). */
export function describeStateError(error: FailInput['state']['error']): { code: string; message: string } {
  const code = error.Error ?? 'Error';
  let message = error.Cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: string; errorType?: string };
    if (parsed.errorMessage) message = parsed.errorMessage;
  } catch {
    // a plain-text cause
  }
  return { code, message: message || code };
}

/**
 * The job of a Plan that failed before returning it: the one this execution claimed for the upload (its id
 * names the spec, which Fail does not read), else (Plan failed before its claim: the spec unreadable, the
 * input missing) the upload's job without a spec.
 */
async function failedPlanJob(plan: PlanInput, executionId: string | undefined, tracker: JobTracker): Promise<UploadClaim> {
  const claimed = executionId === undefined ? null : await tracker.uploadJobOf(plan.bucket, plan.key, plan.etag ?? '', executionId).catch(() => null);
  return claimed ?? { jobId: jobIdFor(plan.bucket, plan.key, plan.etag, NO_SPEC_DIGEST) };
}

/**
 * Marks the job FAILED. Returns the job id and the cause. A job that already
 * ended (DONE, PARTIAL, FAILED, CANCELLED: a duplicated upload event, a
 * retried Collect) is never rewritten: neither its record nor its
 * `summary.json`; `unchanged` says so. The one exception: a job this handler
 * marked FAILED and whose summary.json it did not write (it timed out between
 * the two; the record's `summaryPending`) gets its summary.json on the retry.
 */
export async function markJobFailed(input: FailInput, deps: FailDeps): Promise<{ jobId: string; error: { code: string; message: string }; unchanged?: JobStatus; recordError?: string }> {
  const error = describeStateError(input.state.error);
  const plan = PlanInputSchema.safeParse(input.execution);
  // the job: the failed state's, else the execution's (a retry), else the one Plan claimed (with the input's name)
  let claim: UploadClaim | null = null;
  let jobId: string;
  if (input.state.jobId !== undefined) jobId = input.state.jobId;
  else if (!plan.success) jobId = `unknown-${Date.now()}`;
  else if (plan.data.jobId !== undefined) jobId = plan.data.jobId;
  else {
    claim = await failedPlanJob(plan.data, input.executionId, deps.tracker);
    jobId = claim.jobId;
  }
  const head = await deps.tracker.jobHead(jobId);
  const before = head?.status ?? null;
  // the input as the job names it (the record's, else as Plan would have recorded it: below), in the summary too
  const recordInput = plan.success ? { bucket: plan.data.bucket, key: plan.data.key, etag: plan.data.etag, name: printableInputName(plan.data.inputName ?? '') ?? claim?.inputName ?? plan.data.key } : null;
  const named = head?.input !== undefined ? namedInput(head.input) : recordInput !== null ? namedInput(recordInput) : {};
  const summaryKey = { bucket: deps.outputBucket, key: `${jobId}/summary.json` };
  if (before !== null && isTerminal(before)) {
    // a MarkFailed cut short (its Lambda timed out) after it marked the job FAILED: its retry writes the summary.json
    // the record still owes (summaryPending), with the recorded error; any other ended job is left as it is
    const pending = before === 'FAILED' ? await deps.tracker.pendingFailureSummary(jobId) : null;
    if (pending !== null) {
      const batchErrors = await deps.tracker.tally(jobId).then((t) => t.batchErrors, () => []);
      await putJson(deps.s3, summaryKey, { jobId, ...named, status: 'FAILED', error: pending, batchErrors, failedAt: new Date().toISOString() });
      await deps.tracker.failureSummaryWritten(jobId);
    }
    return { jobId, error, unchanged: before };
  }
  // why the job record could not be created (a missing IAM action, a throttled table): logged, in summary.json and
  // in what the handler returns, never dropped (it once hid a missing dynamodb:PutItem)
  let recordError: string | undefined;
  let recordCause: unknown;
  if (before === null) {
    // no job record yet (Plan failed early): create it (conditionally: a record that appeared meanwhile is kept)
    try {
      await deps.tracker.createJob({
        jobId,
        // named as Plan would have named it (input-name.ts): the execution's name, else the one Plan kept on its
        // claim (read from the object's metadata), else the key; Fail reads no object
        input: recordInput ?? { bucket: '?', key: '?' },
        outputBucket: deps.outputBucket,
        features: 0,
        batches: 0,
        planMs: 0,
        planFailures: [],
      });
    } catch (err) {
      if (!recordExists(err)) {
        recordCause = err;
        recordError = `the job record could not be created: ${err instanceof Error ? err.message : String(err)}`;
        deps.log?.(recordError, { jobId, error });
      }
    }
  }
  const recorded = recordError === undefined ? {} : { recordError };
  try {
    // summaryPending until summary.json is written below (cleared then): a retry after a timeout between the two writes it
    await deps.tracker.setJobStatus(jobId, 'FAILED', { error, summaryPending: true });
  } catch (err) {
    // it ended meanwhile (setJobStatus never leaves a terminal status): leave it as it is
    const now = await deps.tracker.jobStatus(jobId).catch(() => null);
    if (now !== null && isTerminal(now)) return { jobId, error, unchanged: now };
    if (recordError === undefined) throw err;
    // no record to mark: summary.json alone says why the job failed, and this handler fails naming both problems
    await putJson(deps.s3, summaryKey, { jobId, ...named, status: 'FAILED', error, batchErrors: [], ...recorded, failedAt: new Date().toISOString() });
    // caused by the creation's error: a throttled table is transient (the handler is retried), a denied action is not
    throw new JobStoreError(`job ${jobId} could not be marked FAILED (${error.code}: ${error.message}): ${recordError}`, { cause: recordCause, context: { jobId } });
  }
  // the batches' own errors say more than a Map's "tolerated failures exceeded"
  const batchErrors = await deps.tracker.tally(jobId).then((t) => t.batchErrors, () => []);
  await putJson(deps.s3, summaryKey, { jobId, ...named, status: 'FAILED', error, batchErrors, ...recorded, failedAt: new Date().toISOString() });
  await deps.tracker.failureSummaryWritten(jobId);
  return { jobId, error, ...recorded };
}
