/**
 * Bounded retries with exponential backoff and full jitter (AWS architecture
 * blog "Exponential Backoff And Jitter"), shared by the https and S3 sources.
 */
import { SourceError } from '../errors';

/** How often and how patiently a request is asked again. */
export interface RetryPolicy {
  /** Attempts in total (first + retries). */
  attempts: number;
  /** Base delay in ms; the n-th retry waits random(0, min(cap, base * 2^n)). */
  baseMs: number;
  capMs: number;
}

/** 5 attempts, 100 ms base, 5 s cap. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 100, capMs: 5000 };

/** Runs `fn` until it succeeds, `retryable(err)` is false, or the attempts run out (the last error is thrown). */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, retryable: (err: unknown) => boolean, policy: RetryPolicy = DEFAULT_RETRY, signal?: AbortSignal, random: () => number = Math.random): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt + 1 >= policy.attempts || !retryable(err) || signal?.aborted) throw err;
      const delay = random() * Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
      await sleep(delay, signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    }, { once: true });
  });
}

/** HTTP statuses worth retrying: throttling and server errors. */
export function retryableStatus(status: number | undefined): boolean {
  return status === 429 || status === 408 || (status !== undefined && status >= 500 && status <= 599);
}

/**
 * A failure of a source that asking again will not cure: an answer with a status that is not worth retrying
 * (403, 404, 416...), as opposed to the network, throttling and server errors (retried, then thrown).
 */
export function permanentFailure(err: unknown): boolean {
  return err instanceof SourceError && err.status !== undefined && !retryableStatus(err.status);
}
