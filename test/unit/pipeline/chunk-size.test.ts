import { describe, expect, it } from 'vitest';
import { FIRST_CHUNK, GROWTH, chunkBudgetMs, nextChunkSize } from '../../../shared/pipeline/chunk-size';

describe('the Worker chunk sizes', () => {
  it('the budget is a sixth of the safety margin', () => {
    expect(chunkBudgetMs(30_000)).toBe(5_000);
  });

  it('a fast chunk grows by GROWTH at most, a slow one shrinks to fit the budget', () => {
    const budget = chunkBudgetMs(30_000);
    // 100 features in 100 ms: 5,000 would fit the 5 s budget; GROWTH caps it
    expect(nextChunkSize(FIRST_CHUNK, 100, budget)).toBe(FIRST_CHUNK * GROWTH);
    // 400 features in 2,000 ms: 1,000 fit 5 s (400 * 5000 / 2000), under the cap of 1,600
    expect(nextChunkSize(400, 2_000, budget)).toBe(1_000);
    // 400 features in 20 s: 100 fit 5 s
    expect(nextChunkSize(400, 20_000, budget)).toBe(100);
    // one very slow feature: never below one
    expect(nextChunkSize(1, 60_000, budget)).toBe(1);
  });

  it('without a measurable time (no deadline, or under a millisecond) it grows by GROWTH', () => {
    expect(nextChunkSize(100, Number.NaN, 5_000)).toBe(100 * GROWTH);
    expect(nextChunkSize(100, 0, 5_000)).toBe(100 * GROWTH);
    expect(nextChunkSize(0, 0, 5_000)).toBe(GROWTH);
  });
});
