/**
 * How many Lambda threads `zonalflow local` starts by default (shared/local/lambda-pool.ts): one core is left to the
 * main thread's stand-ins and V8's compiler and GC threads, at least one thread runs the functions, at most four.
 */
import { describe, expect, it } from 'vitest';
import { defaultLambdaThreads } from '../../../shared/local/lambda-pool';

describe('defaultLambdaThreads', () => {
  it('is the cores less one, at least 1 and at most 4', () => {
    expect([1, 2, 3, 4, 5, 6, 16].map(defaultLambdaThreads)).toEqual([1, 1, 2, 3, 4, 4, 4]);
  });
});
