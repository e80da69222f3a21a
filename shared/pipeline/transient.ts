/**
 * Transient failures of a stage: S3 5xx / 503 SlowDown, DynamoDB throttling,
 * network resets and timeouts that outlived the SDK's own retries. A handler
 * re-raises them as `TransientError`, an error name the state machine's Retry
 * lists (infra/state-machine.ts RETRYABLE_LAMBDA_ERRORS), so the stage is run
 * again with backoff instead of failing the batch or the job. Anything else
 * (a bad spec, a missing raster, a 403) is not transient and is not retried.
 */
import { ZonalflowError } from '../errors';

/** A failure worth running the stage again for; `name` is what Step Functions' Retry matches. */
export class TransientError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('TRANSIENT', message, options);
    this.name = 'TransientError';
  }
}

/** The job was cancelled (`zonalflow cancel`): its batches refuse to start or complete. Not retried. */
export class JobCancelledError extends ZonalflowError {
  constructor(message: string) {
    super('JOB_CANCELLED', message);
    this.name = 'JobCancelledError';
  }
}

/** Error names of AWS services that mean "try again later" (S3, DynamoDB, STS, the SDK's network layer). */
const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'TransactionConflictException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/** True when `err` (or an error in its cause chain) is a transient AWS/network failure. */
export function isTransient(err: unknown): boolean {
  for (let e = err as { name?: unknown; code?: unknown; status?: unknown; $metadata?: { httpStatusCode?: number }; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (e instanceof TransientError) return true;
    if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
    if (typeof e.code === 'string' && TRANSIENT_NAMES.has(e.code)) return true;
    const status = e.$metadata?.httpStatusCode ?? (typeof e.status === 'number' ? e.status : undefined);
    if (status !== undefined && (status >= 500 || status === 429)) return true;
  }
  return false;
}

/** Runs a stage; a transient failure leaves it as a `TransientError` (its message kept), anything else as it is. */
export async function classifyTransient<T>(stage: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof TransientError || !isTransient(err)) throw err;
    throw new TransientError(`${stage}: transient failure, retried by the state machine: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
