/**
 * `zonalflow invoke <handler> --event <file>` checks the event against the handler's own schema before anything
 * runs: an event of another handler is a usage error (exit 2) in one line naming each problem, not the ZodError's
 * JSON and "this looks like a bug" (exit 1). The sample events in events/ pass their own handler's check.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';
import { checkEvent, HANDLERS, readEvent } from '../../../shared/local/invoke';

const events = join(import.meta.dirname, '../../../events');

describe('invoke --event of the wrong shape', () => {
  it('worker given the plan event: exit 2, one line naming the missing and unexpected keys', async () => {
    const r = await runCli(['invoke', 'worker', '--event', join(events, 'plan.json')]);
    expect(r.code).toBe(2);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^zonalflow: error \[INPUT_INVALID\]: the event .*plan\.json is not a worker event: jobId: required; batchId: required; features: required; unexpected keys bucket, etag \(sample: events\/worker\.json\)$/);
    expect(r.err).not.toMatch(/looks like a bug|invalid_type/);
  });
  it('plan given the worker event, collect given a list: the problems of each', async () => {
    const plan = await runCli(['invoke', 'plan', '--event', join(events, 'worker.json')]);
    expect(plan.code).toBe(2);
    expect(plan.err.trim()).toMatch(/worker\.json is not a plan event: bucket: required \(sample: events\/plan\.json\)$/);
    expect(() => checkEvent('collect', [], 'list.json')).toThrow(/list\.json is not a collect event: the event: expected object, received array/);
  });
  it('each sample event passes its own handler\'s check', () => {
    for (const name of HANDLERS) expect(() => checkEvent(name, readEvent(join(events, `${name}.json`)), `${name}.json`)).not.toThrow();
  });
});
