/**
 * Collect merges at most MAX_COLLECT_ROWS rows in one run: the collect bench's 36M-row job
 * (1M features x 36 dates) finished in 415 s of Lambda's 900 s; Plan refuses more.
 */
import { describe, expect, it } from 'vitest';
import { LimitError } from '../../../shared/errors';
import { LAMBDA_MAX_SECONDS, MAX_COLLECT_ROWS, checkCollectRows, collectSeconds } from '../../../shared/pipeline/collect-budget';
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
    expect(() => checkCollectRows(40, 1, 0, 39)).toThrow(/the job would have 40 result rows; Collect merges at most 39 rows/);
  });

  it('the cost line goes through both measurements (collect bench 36M rows / 2,000 parts: 330 CPU s; scale-model sample 10,322 rows / 31 parts: 0.51 CPU s)', () => {
    const cpu = (rows: number, parts: number): number => collectSeconds(rows, parts) / (415 / 330);
    expect(cpu(36_000_000, 2000)).toBeCloseTo(330, -1);
    expect(cpu(10_322, 31)).toBeCloseTo(0.51, 1);
    expect(collectSeconds(36_000_000, 2000)).toBeCloseTo(415, -1);
  });

  it('many small parts count: 10M features in 33,600 batches fit (scale-model\'s job); in 100,000 batches of 100 they would not', () => {
    expect(collectSeconds(10_000_000, 33_600)).toBeLessThan(LAMBDA_MAX_SECONDS);
    expect(() => checkCollectRows(10_000_000, 1, 33_600)).not.toThrow();
    expect(() => checkCollectRows(10_000_000, 1, 100_000)).toThrow(/10000000 result rows in 100000 batches: Collect would take about \d+ s .* over a Lambda's 900 s: split the input or use larger batches/);
  });
});
