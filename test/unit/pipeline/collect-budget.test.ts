/**
 * Collect merges at most MAX_COLLECT_ROWS rows in one run: the collect bench's 36M-row job
 * (1M features x 36 dates) finished in 415 s of Lambda's 900 s; Plan refuses more.
 */
import { describe, expect, it } from 'vitest';
import { LimitError } from '../../../shared/errors';
import { LAMBDA_MAX_SECONDS, MAX_COLLECT_ROWS, checkCollectRows } from '../../../shared/pipeline/collect-budget';
import { DEFAULT_MAX_FEATURES_PER_JOB } from '../../../shared/pipeline/config';

describe('Collect row budget', () => {
  it('accepts up to the measured 36M rows, refuses one more with a clear error naming features, dates and rows', () => {
    expect(MAX_COLLECT_ROWS).toBe(1_000_000 * 36);
    expect(LAMBDA_MAX_SECONDS).toBe(15 * 60);
    expect(() => checkCollectRows(1_000_000, 36)).not.toThrow();
    expect(() => checkCollectRows(DEFAULT_MAX_FEATURES_PER_JOB, 0)).not.toThrow(); // a zonal job: one row a feature
    const err = (() => {
      try {
        checkCollectRows(1_000_001, 36);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(LimitError);
    expect((err as Error).message).toBe('the job would have 1000001 features x 36 dates = 36000036 result rows; Collect merges at most 36000000 rows within a Lambda\'s 15 minutes (MAX_COLLECT_ROWS, measured): split the input or narrow the dates');
    expect(() => checkCollectRows(40, 1, 39)).toThrow(/the job would have 40 result rows; Collect merges at most 39 rows/);
  });
});
