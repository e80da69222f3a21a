/**
 * Step Functions in the cost model (shared/estimate/model.ts) priced as the deployed Distributed Map runs:
 * STANDARD children by default (infra/stack.ts), EXPRESS when the stack's context says so. The expected dollars
 * are arithmetic on AWS's published rules (the price table's sources): one state transition for each child
 * execution the Distributed Map starts (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html,
 * "Transitions in Distributed Map state"), a STANDARD child's own Worker state one transition more, an EXPRESS
 * child one request and its duration at 64 MB instead; $0.025 per 1,000 transitions, $1.00 per million EXPRESS
 * requests, $0.00001667 per GB-second.
 */
import { describe, expect, it } from 'vitest';
import { estimateCost, stepFunctionsCounts } from '../../../shared/estimate/model';
import type { JobShape, StackShape } from '../../../shared/estimate/model';
import { DEFAULT_STACK, loadPrices } from '../../../shared/estimate/estimate';

const job: JobShape = { features: 10_000_000, batches: 33_600, rasterRequests: 0, rasterBytes: 0, cells: 0, formats: ['parquet'], timeseries: false };
const stack = (mapExecutionType: StackShape['mapExecutionType']): StackShape => ({ ...DEFAULT_STACK, mapExecutionType });

describe('Step Functions cost of the Distributed Map', () => {
  it('prices STANDARD children, the stack\'s default, at two transitions a batch beside the parent\'s 8', () => {
    expect(DEFAULT_STACK.mapExecutionType).toBe('STANDARD');
    expect(stepFunctionsCounts(33_600, 'STANDARD')).toEqual({ standardTransitions: 8 + 33_600 + 33_600, expressExecutions: 0 });
    const e = estimateCost(job, stack('STANDARD'), loadPrices(), { plan: 100, worker: 33_600 * 10, collect: 100 });
    // (8 + 2 x 33,600) / 1,000 x $0.025 = $1.6802 (the old model priced these children as EXPRESS: ~$0.05)
    expect(e.costUsd.stepFunctions).toBeCloseTo(((8 + 2 * 33_600) / 1000) * 0.025, 10);
    expect(e.requests.standardTransitions).toBe(67_208);
    expect(e.requests.expressExecutions).toBe(0);
    expect(e.mapExecutionType).toBe('STANDARD');
  });

  it('prices EXPRESS children as one request and their worker\'s duration at 64 MB, and the Map\'s transition per child', () => {
    expect(stepFunctionsCounts(33_600, 'EXPRESS')).toEqual({ standardTransitions: 8 + 33_600, expressExecutions: 33_600 });
    const workerSeconds = 33_600 * 10;
    const e = estimateCost(job, stack('EXPRESS'), loadPrices(), { plan: 100, worker: workerSeconds, collect: 100 });
    const expected = ((8 + 33_600) / 1000) * 0.025 + (33_600 / 1e6) * 1.0 + workerSeconds * (64 / 1024) * 0.00001667;
    expect(e.costUsd.stepFunctions).toBeCloseTo(expected, 10);
    expect(e.mapExecutionType).toBe('EXPRESS');
  });
});
