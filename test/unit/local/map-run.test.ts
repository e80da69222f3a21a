/**
 * The local Step Functions semantics `zonalflow local` enforces, on the real
 * ASL interpreter with local task functions (no stand-ins needed):
 * - an EXPRESS child's 5 minutes cover all its attempts and their backoff;
 * - payloads over 256 KiB fail with States.DataLimitExceeded, which no Catch takes
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html: States.ALL
 *   "can't catch the States.DataLimitExceeded terminal error");
 * - the Map Run's tolerated-failure threshold is evaluated as children finish;
 * - the ResultWriter's layout (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
 */
import { describe, expect, it } from 'vitest';
import { failureText, runExecution, scaleDefinition } from '../../../shared/local/execution';
import type { Definition } from '../../../shared/local/execution';
import { checkPayload, PAYLOAD_LIMIT_BYTES, runMapRun, stripeOrder } from '../../../shared/local/distributed-map';
import type { MapRuntime } from '../../../shared/local/distributed-map';
import { FAULT_NAMES, parseFaults } from '../../../shared/local/faults';

const exec = { executionArn: 'arn:aws:states:us-east-1:000000000000:execution:sm:t', name: 't' };

describe('a failed state\'s line (the log of zonalflow local)', () => {
  it('a Lambda error document is its whole message; AWS\'s own error names stay before it; any other cause after the name, cut at 400 characters', () => {
    const long = `STAC item s, asset "red": https://h.example/a.tif: host h.example is not among the allowed https hosts (none); ${'x'.repeat(400)} (the stack)`;
    expect(failureText('UriNotAllowedError', JSON.stringify({ errorType: 'UriNotAllowedError', errorMessage: long }))).toBe(long);
    expect(failureText('Sandbox.Timedout', JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: 'RequestId: r Error: Task timed out after 3.00 seconds' }))).toBe('Sandbox.Timedout RequestId: r Error: Task timed out after 3.00 seconds');
    expect(failureText('States.Timeout', 'y'.repeat(500))).toBe(`States.Timeout ${'y'.repeat(400)}`);
  });
});

describe('execution limits', () => {
  it('scales every duration of a definition', () => {
    const d: Definition = { StartAt: 'A', TimeoutSeconds: 300, States: { A: { Type: 'Task', Resource: 'x', TimeoutSeconds: 60, Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 2, MaxDelaySeconds: 60 }], Next: 'W' }, W: { Type: 'Wait', Seconds: 10, End: true } } };
    const s = scaleDefinition(d, 0.01);
    expect(s.TimeoutSeconds).toBeCloseTo(3);
    expect(s.States.A).toMatchObject({ TimeoutSeconds: 0.6, Retry: [{ IntervalSeconds: 0.02, MaxDelaySeconds: 0.6 }] });
    expect(s.States.W).toMatchObject({ Seconds: 0.1 });
  });

  it('an EXPRESS child\'s 5 minutes cover all attempts and the retry waits: States.Timeout before the retries run out', async () => {
    let attempts = 0;
    const child: Definition = { StartAt: 'Work', TimeoutSeconds: 300, States: { Work: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:W', Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 100, BackoffRate: 1, MaxAttempts: 10 }], End: true } } };
    const t0 = Date.now();
    const out = await runExecution(child, {}, {
      ...exec,
      timeScale: 0.002, // 300 s -> 0.6 s, each wait 100 s -> 0.2 s
      handlers: { Work: () => { attempts++; return Promise.reject(Object.assign(new Error('no'), { name: 'Boom' })); } },
    });
    const ms = Date.now() - t0;
    expect(out).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    // 0.6 s hold at most 3 attempts (waits of 0.2 s between them), far from the 11 the Retry allows
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThanOrEqual(4);
    expect(ms).toBeGreaterThanOrEqual(550);
    expect(ms).toBeLessThan(3000);
    // and nothing after its end: the emulator's retries behind the timeout invoke no function (they did: 11 attempts)
    const atEnd = attempts;
    await new Promise((r) => setTimeout(r, 700));
    expect(attempts).toBe(atEnd);
  });

  it('a result over 256 KiB fails the execution with States.DataLimitExceeded, past a Catch of States.ALL', async () => {
    const def: Definition = { StartAt: 'Big', States: { Big: { Type: 'Task', Resource: 'x', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true }, Caught: { Type: 'Succeed' } } };
    const big = 'x'.repeat(PAYLOAD_LIMIT_BYTES);
    const out = await runExecution(def, {}, { ...exec, handlers: { Big: () => { const r = { big }; checkPayload('Big', r); return Promise.resolve(r); } } });
    expect(out).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(() => checkPayload('Small', { s: 'x'.repeat(PAYLOAD_LIMIT_BYTES - 100) })).not.toThrow();
  });

  it('a state whose output grows over 256 KiB (a Pass adding to its input) fails the execution with States.DataLimitExceeded before the next task runs; so does an input over 256 KiB', async () => {
    const half = 'y'.repeat(150 * 1024);
    const def: Definition = { StartAt: 'A', States: { A: { Type: 'Pass', Result: half, ResultPath: '$.a', Next: 'B' }, B: { Type: 'Pass', Result: half, ResultPath: '$.b', Next: 'C' }, C: { Type: 'Task', Resource: 'x', End: true } } };
    let ranC = false;
    // as the runner's Lambda tasks do: the input is checked before the function runs
    const out = await runExecution(def, {}, { ...exec, handlers: { C: (input) => { checkPayload('C', input, 'input'); ranC = true; return Promise.resolve({}); } } });
    expect(out).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect((out as { cause: string }).cause).toMatch(/'B'|'C'/);
    expect(ranC).toBe(false);
    expect(await runExecution(def, { big: 'z'.repeat(PAYLOAD_LIMIT_BYTES) }, { ...exec, handlers: {} })).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });
});

function runtime(over: Partial<MapRuntime> & { outcomes: (i: number) => Promise<{ ok: boolean; ms: number }> }): { rt: MapRuntime; writes: Map<string, unknown>; started: number[] } {
  const writes = new Map<string, unknown>();
  const started: number[] = [];
  const rt: MapRuntime = {
    stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Pipeline',
    newId: () => 'run-0001',
    readJson: () => Promise.resolve(Array.from({ length: 20 }, (_, i) => ({ n: i }))),
    writeJson: (bucket, key, value) => {
      writes.set(`${bucket}/${key}`, value);
      return Promise.resolve(JSON.stringify(value).length);
    },
    authorize: () => undefined,
    runChild: async (_p, input, child) => {
      started.push(child.index);
      const o = await over.outcomes(child.index);
      await new Promise((r) => setTimeout(r, o.ms));
      return o.ok ? { status: 'SUCCEEDED', output: { ok: (input as { n: number }).n } } : { status: 'FAILED', error: 'Boom', cause: `item ${child.index}` };
    },
    concurrencyCap: 4,
    ...over,
  };
  return { rt, writes, started };
}

const mapState = (tolerated: number): Record<string, unknown> => ({
  Type: 'Map',
  ItemReader: { Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'out', 'Key.$': '$.manifest' } },
  ItemSelector: { 'n.$': '$$.Map.Item.Value.n', 'index.$': '$$.Map.Item.Index' },
  ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' }, StartAt: 'W', States: { W: { Type: 'Task', Resource: 'x', End: true } } },
  ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'out', 'Prefix.$': '$.prefix' } },
  ToleratedFailurePercentage: tolerated,
  MaxConcurrency: 200,
  Label: 'Batches',
});

describe('Map Run', () => {
  it('writes AWS\'s ResultWriter layout and returns MapRunArn + ResultWriterDetails', async () => {
    const { rt, writes } = runtime({ outcomes: (i) => Promise.resolve({ ok: i !== 3, ms: 1 }) });
    const out = await runMapRun('Batches', mapState(10), { manifest: 'm.json', prefix: '_work/j/map/' }, rt);
    expect(out).toEqual({ MapRunArn: 'arn:aws:states:us-east-1:000000000000:mapRun:Pipeline/Batches:run-0001', ResultWriterDetails: { Bucket: 'out', Key: '_work/j/map/run-0001/manifest.json' } });
    const manifest = writes.get('out/_work/j/map/run-0001/manifest.json') as { DestinationBucket: string; ResultFiles: Record<string, { Key: string; Size: number }[]> };
    expect(manifest.DestinationBucket).toBe('out');
    expect(manifest.ResultFiles.SUCCEEDED?.map((f) => f.Key)).toEqual(['_work/j/map/run-0001/SUCCEEDED_0.json']);
    expect(manifest.ResultFiles.FAILED?.map((f) => f.Key)).toEqual(['_work/j/map/run-0001/FAILED_0.json']);
    expect(manifest.ResultFiles.PENDING).toEqual([]);
    const succeeded = writes.get('out/_work/j/map/run-0001/SUCCEEDED_0.json') as { Status: string; Input: string; Output: string }[];
    expect(succeeded).toHaveLength(19);
    expect(succeeded.every((r) => r.Status === 'SUCCEEDED')).toBe(true);
    // Input and Output are JSON text, the item through the ItemSelector
    expect(succeeded.map((r) => JSON.parse(r.Input) as { n: number; index: number }).find((x) => x.n === 5)).toEqual({ n: 5, index: 5 });
    const failed = writes.get('out/_work/j/map/run-0001/FAILED_0.json') as { Status: string; Error: string; Cause: string }[];
    expect(failed).toEqual([expect.objectContaining({ Status: 'FAILED', Error: 'Boom', Cause: 'item 3' })]);
  });

  it('fails as soon as the failures exceed the tolerated share, without waiting for the other items', async () => {
    // items 0-2 fail at once; the rest would take long
    const { rt, writes, started } = runtime({ outcomes: (i) => Promise.resolve(i < 3 ? { ok: false, ms: 1 } : { ok: true, ms: 400 }) });
    const t0 = Date.now();
    await expect(runMapRun('Batches', mapState(10), { manifest: 'm.json', prefix: 'p' }, rt)).rejects.toMatchObject({ name: 'States.ExceedToleratedFailureThreshold' });
    // 3 of 20 = 15 % > 10 %: decided when the third failure lands, long before the 400 ms items end
    expect(Date.now() - t0).toBeLessThan(350);
    expect(started.length).toBeLessThan(20);
    const manifest = writes.get('out/p/run-0001/manifest.json') as { ResultFiles: Record<string, unknown[]> };
    expect(manifest.ResultFiles.FAILED).toHaveLength(1);
    expect(manifest.ResultFiles.PENDING).toHaveLength(1);
  });

  it('two failures of 20 are within 10 %: the Map succeeds', async () => {
    const { rt } = runtime({ outcomes: (i) => Promise.resolve({ ok: i >= 2, ms: 1 }) });
    await expect(runMapRun('Batches', mapState(10), { manifest: 'm.json', prefix: 'p' }, rt)).resolves.toMatchObject({ ResultWriterDetails: { Bucket: 'out' } });
  });

  it('stripes: items start interleaved by stripe of consecutive items, each child knows its stripe, results stay in item order', async () => {
    expect(stripeOrder(7, 2)).toEqual({ order: [0, 4, 1, 5, 2, 6, 3], stripe: [0, 0, 0, 0, 1, 1, 1] });
    expect(stripeOrder(5, 1)).toEqual({ order: [0, 1, 2, 3, 4], stripe: [0, 0, 0, 0, 0] });
    expect(stripeOrder(2, 4)).toEqual({ order: [0, 1], stripe: [0, 1] });
    expect(stripeOrder(0, 2)).toEqual({ order: [], stripe: [] });
    const stripes = new Map<number, number>();
    const { rt, writes, started } = runtime({ outcomes: () => Promise.resolve({ ok: true, ms: 1 }), stripes: 2 });
    const runChild = rt.runChild.bind(rt);
    rt.runChild = (p, input, child) => {
      stripes.set(child.index, child.stripe);
      return runChild(p, input, child);
    };
    await runMapRun('Batches', mapState(10), { manifest: 'm.json', prefix: 'p' }, rt);
    expect(started.slice(0, 4)).toEqual([0, 10, 1, 11]);
    expect([...stripes].sort((a, b) => a[0] - b[0]).map(([, s]) => s)).toEqual([...Array<number>(10).fill(0), ...Array<number>(10).fill(1)]);
    const succeeded = writes.get('out/p/run-0001/SUCCEEDED_0.json') as { Input: string }[];
    expect(succeeded.map((r) => (JSON.parse(r.Input) as { index: number }).index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('duplicate-child runs the first item\'s child twice', async () => {
    const { rt, started } = runtime({ outcomes: () => Promise.resolve({ ok: true, ms: 1 }), duplicateChild: true });
    await runMapRun('Batches', mapState(10), { manifest: 'm.json', prefix: 'p' }, rt);
    expect(started.filter((i) => i === 0)).toHaveLength(2);
    expect(started).toHaveLength(21);
  });
});

describe('--faults names', () => {
  it('takes the documented names and refuses others, listing the valid ones', () => {
    expect(parseFaults('duplicate-event, s3-slowdown')).toEqual(['duplicate-event', 's3-slowdown']);
    expect(FAULT_NAMES).toEqual(['duplicate-event', 'duplicate-child', 'collect-retry', 's3-slowdown', 'dynamodb-throttle', 'worker-crash', 'lambda-timeout']);
    expect(() => parseFaults('worker-crash,bogus')).toThrow(/unknown fault "bogus" for --faults; valid: duplicate-event, duplicate-child, collect-retry, s3-slowdown, dynamodb-throttle, worker-crash, lambda-timeout/);
  });
});
