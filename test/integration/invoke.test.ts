/** The sample events: valid for their handlers, and `zonalflow invoke` runs each one locally. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invokeLocal, readEvent } from '../../shared/local/invoke';
import { CollectInputSchema, FailInputSchema, PlanInputSchema, WorkerInputSchema } from '../../shared/pipeline/events';
import { matchesPattern, transformInput } from '../../shared/local/eventbridge';
import { synthTemplate } from '../../shared/local/runner';
import { workKeys } from '../../shared/pipeline/keys';
import { exitCodeOfError } from '../../shared/jobs/outcome';

function captured(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return null;
}

const EV = join(import.meta.dirname, '../../events');
const ev = (name: string): unknown => readEvent(join(EV, `${name}.json`));

describe('sample events', () => {
  it('each event is valid input of its handler', () => {
    expect(PlanInputSchema.parse(ev('plan'))).toMatchObject({ bucket: 'zonalflow-input', key: 'lux_cantons_2169.gpkg' });
    expect(WorkerInputSchema.parse(ev('worker')).batchId).toBe('b000001');
    // the batch file's key as Plan writes it (the shard folder layout of keys.ts)
    expect(WorkerInputSchema.parse(ev('worker')).key).toBe(workKeys('_work/', 'lux_cantons_2169-0139588c4017').batch('b000001'));
    expect(CollectInputSchema.parse(ev('collect')).jobId).toBe('lux_cantons_2169-0139588c4017');
    expect(FailInputSchema.parse(ev('fail')).state.error.Error).toBe('RasterError');
  });
  it('a missing or non-JSON event file is a usage error (exit 2) naming the file', () => {
    expect(() => readEvent(join(EV, 'nope.json'))).toThrow(/the event .*nope\.json does not exist/);
    expect(exitCodeOfError(captured(() => readEvent(join(EV, 'nope.json'))))).toBe(2);
    expect(exitCodeOfError(captured(() => readEvent(join(EV, 'README.md'))))).toBe(2);
    expect(() => readEvent(join(EV, 'README.md'))).toThrow(/README\.md is not JSON/);
  });
  it('the S3 event matches the template\'s rule, whose input transformer gives plan.json', async () => {
    const template = await synthTemplate({});
    const rule = Object.values(template.Resources).find((r) => r.Type === 'AWS::Events::Rule');
    const pattern = JSON.parse(JSON.stringify(rule?.Properties?.EventPattern).replace(/\{"Ref":"[^"]+"\}/g, '"zonalflow-input"')) as Record<string, unknown>;
    const event = ev('s3-object-created');
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { ...(event as object), detail: { bucket: { name: 'zonalflow-input' }, object: { key: 'a.txt' } } })).toBe(false);
    const target = (rule?.Properties?.Targets as { InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }[])[0];
    expect(JSON.parse(transformInput(target?.InputTransformer ?? { InputTemplate: '{}' }, event))).toEqual(ev('plan'));
  });
});

describe('zonalflow invoke (local)', () => {
  it('plan, worker, collect and fail on the sample events', async () => {
    expect(await invokeLocal('plan', ev('plan'))).toMatchObject({ jobId: 'lux_cantons_2169-0139588c4017', batches: 3, features: 12, duplicate: false });
    expect(await invokeLocal('worker', ev('worker'))).toMatchObject({ status: 'DONE', featuresDone: 4, featuresFailed: 0 });
    expect(await invokeLocal('collect', ev('collect'))).toMatchObject({ status: 'DONE', features: { total: 12, done: 12, failed: 0, missing: 0 } });
    expect(await invokeLocal('fail', ev('fail'))).toEqual({ jobId: 'lux_cantons_2169-0139588c4017', error: { code: 'RasterError', message: 's3://zonalflow-rasters/elev.cog.tif is truncated' } });
  });
});
