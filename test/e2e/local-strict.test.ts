/**
 * `zonalflow local` is as strict as AWS, end to end (the synthesized
 * template, the handlers in-process, S3/DynamoDB stand-ins behind IAM gates):
 * - IAM: the template without Plan's grant on the output bucket's `_work/`
 *   makes `zonalflow retry`'s path fail with AccessDenied naming the role, the
 *   action and the resource, in AWS's wording;
 * - every fault of `--faults` still ends DONE with the same results as a clean run;
 * - /tmp (EphemeralStorage) and MemorySize are enforced / warned.
 * The waits run at a time scale (AWS's proportions, shorter waits); the timeouts are AWS's own
 * (`timeoutScale: 1`): scaled to seconds, a Lambda's limit measured how busy this machine was (a Fail
 * handler's 60 s at 0.05 were 3 s, over which a loaded machine's cold start went: Sandbox.Timedout instead
 * of the ENOSPC asked about), never the pipeline. The injected lambda-timeout skips its stall to the
 * deadline, so no test waits on a timer whose length the load decides.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { runLocal } from '../../shared/local/runner';
import type { FaultName, LocalRunResult, Template } from '../../shared/local/runner';
import { actionMatches } from '../../shared/local/iam';
import { readResultParquet } from '../../shared/output/read-parquet';
import { main } from '../../cli/main';
import { writeGeoPackage } from '../helpers/gpkg-writer';

const EX = join(import.meta.dirname, '../../examples');
const INPUT = join(EX, 'lux_cantons_2169.gpkg');
const spec = { input: { idColumn: 'ID_2' }, rasters: [{ name: 'elev', uri: join(EX, 'elev.cog.tif') }], stats: ['count', 'mean', 'max'], batching: { grid: 'h3', maxFeatures: 4 }, output: { formats: ['parquet', 'json'] } };
const out = (): string => mkdtempSync(join(tmpdir(), 'zf-strict-'));

type Rows = Awaited<ReturnType<typeof readResultParquet>>['rows'];
const rowsOf = async (dir: string): Promise<Rows> => (await readResultParquet(readFileSync(join(dir, 'results.parquet')))).rows;

/** The template with every statement of Plan's policies that lets it read the output bucket's `_work/` removed. */
function withoutPlanWorkRead(t: Template): Template {
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy' || !id.startsWith('FunctionsPlan')) continue;
    const doc = r.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] };
    doc.Statement = doc.Statement.filter((s) => {
      const readsObjects = [s.Action].flat().some((a) => actionMatches(a, 's3:GetObject'));
      const res = JSON.stringify(s.Resource);
      return !(readsObjects && res.includes('StorageOutput') && (res.includes('/_work/') || res.includes('"/*"')));
    });
  }
  return t;
}

/** A GeoPackage of 10 squares and one feature without geometry: a PARTIAL job, which `zonalflow retry` takes. */
function partialInput(): string {
  const gpkg = join(out(), 'fields.gpkg');
  const sq = (x: number, y: number): [number, number][] => [[x, y], [x + 0.05, y], [x + 0.05, y + 0.05], [x, y + 0.05], [x, y]];
  writeGeoPackage(gpkg, [{
    name: 'fields', srsId: 4326, columns: { name: 'TEXT' },
    features: [
      ...Array.from({ length: 10 }, (_, i) => ({ geometry: { type: 'Polygon' as const, coordinates: [sq(5.8 + i * 0.06, 49.5)] }, properties: { name: `f${i}` } })),
      { geometry: null, properties: { name: 'empty' } },
    ],
  }]);
  return gpkg;
}
const partialSpec = { ...spec, input: { idColumn: 'name' } };

describe('zonalflow local: IAM as AWS enforces it', () => {
  it('the retry path with the template\'s own grants: no AccessDenied, the job ends as before (PARTIAL)', async () => {
    const r = await runLocal({ input: partialInput(), spec: partialSpec, out: out(), timeScale: 0.05, timeoutScale: 1, retry: true });
    expect(r.denials).toEqual([]);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('PARTIAL');
  });

  it('the retry path without Plan\'s grant on _work/ fails with AccessDenied naming role, action and resource', async () => {
    const r = await runLocal({ input: partialInput(), spec: partialSpec, out: out(), timeScale: 0.05, timeoutScale: 1, retry: true, editTemplate: withoutPlanWorkRead });
    expect(r.status).toBe('FAILED');
    const denial = /^User: arn:aws:sts::000000000000:assumed-role\/FunctionsPlanServiceRole\w+\/Plan is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::zonalflow-output\/_work\/[^ ]+ because no identity-based policy allows the s3:GetObject action$/;
    expect(r.denials.some((d) => denial.test(d))).toBe(true);
    // the handler saw S3's AccessDenied (403), and the execution failed with it
    expect(r.error?.message).toContain('AccessDenied');
    expect(r.error?.message).toContain('is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::zonalflow-output/_work/');
  });

  it('a state machine role without lambda:InvokeFunction on the Worker fails the Map items as Step Functions does', async () => {
    const noWorkerInvoke = (t: Template): Template => {
      for (const [id, r] of Object.entries(t.Resources)) {
        if (r.Type !== 'AWS::IAM::Policy' || !id.startsWith('PipelineStateMachineRole')) continue;
        const doc = r.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] };
        for (const s of doc.Statement) {
          if ([s.Action].flat().includes('lambda:InvokeFunction') && Array.isArray(s.Resource)) s.Resource = s.Resource.filter((x) => !JSON.stringify(x).includes('FunctionsWorker'));
        }
      }
      return t;
    };
    const r = await runLocal({ input: INPUT, spec, out: out(), timeScale: 0.05, timeoutScale: 1, editTemplate: noWorkerInvoke });
    expect(r.status).toBe('FAILED');
    expect(r.denials.some((d) => /assumed-role\/PipelineStateMachineRole\w+\/StateMachine is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:FunctionsWorker\w+ because/.test(d))).toBe(true);
  });
});

describe('zonalflow local --faults: the job still ends right', () => {
  let clean: Rows = [];
  beforeAll(async () => {
    const dir = out();
    const r = await runLocal({ input: INPUT, spec, out: dir, timeScale: 0.05, timeoutScale: 1 });
    expect(r.status).toBe('DONE');
    clean = await rowsOf(dir);
    expect(clean).toHaveLength(12);
  });

  const cases: [FaultName, number, RegExp][] = [
    ['duplicate-event', 0.05, /delivered twice/],
    ['duplicate-child', 0.05, /runs twice \(injected duplicate-child\)/],
    ['s3-slowdown', 0.1, /answered SlowDown \(injected/],
    ['dynamodb-throttle', 0.1, /answered (ProvisionedThroughputExceededException|ThrottlingException) \(injected/],
    ['worker-crash', 0.05, /injected worker-crash/],
    ['collect-retry', 0.05, /runs it again \(injected collect-retry\)/],
    // the Worker's 300 s timeout (AWS's): the stalled attempt skips to it, is reported as Lambda reports it and retried
    ['lambda-timeout', 0.02, /failed Worker: Sandbox\.Timedout .*Task timed out after \d+\.\d\d seconds/],
  ];
  for (const [fault, scale, evidence] of cases) {
    it(`${fault}: DONE, the same results as a clean run`, async () => {
      const dir = out();
      const lines: string[] = [];
      const r: LocalRunResult = await runLocal({ input: INPUT, spec, out: dir, faults: [fault], timeScale: scale, timeoutScale: 1, log: (l) => lines.push(l) });
      expect(lines.some((l) => evidence.test(l))).toBe(true);
      expect(r.error).toBeUndefined();
      expect(r.status).toBe('DONE');
      expect(await rowsOf(dir)).toEqual(clean);
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { status: string; features: { done: number; failed: number } };
      expect(summary.status).toBe('DONE');
      expect(summary.features).toMatchObject({ done: 12, failed: 0 });
    });
  }
});

/** The template with Plan's /tmp (EphemeralStorage) cut to 0.01 MB: its download of the input cannot fit. */
function tinyTmp(t: Template): Template {
  for (const [id, r] of Object.entries(t.Resources)) if (r.Type === 'AWS::Lambda::Function' && id.startsWith('FunctionsPlan') && r.Properties) r.Properties.EphemeralStorage = { Size: 0.01 };
  return t;
}

describe('zonalflow local: Lambda limits', () => {
  it('/tmp: a Plan whose download exceeds its EphemeralStorage fails with ENOSPC', async () => {
    const r = await runLocal({ input: INPUT, spec, out: out(), timeScale: 0.05, timeoutScale: 1, editTemplate: tinyTmp });
    expect(r.status).toBe('FAILED');
    expect(r.error?.message ?? '').toMatch(/ENOSPC: no space left on device/);
  });

  it('memory: a stage whose peak exceeds its MemorySize is warned about', async () => {
    const tinyMemory = (t: Template): Template => {
      for (const [id, r] of Object.entries(t.Resources)) if (r.Type === 'AWS::Lambda::Function' && id.startsWith('FunctionsWorker') && r.Properties) r.Properties.MemorySize = 1;
      return t;
    };
    const r = await runLocal({ input: INPUT, spec, out: out(), timeScale: 0.05, timeoutScale: 1, editTemplate: tinyMemory });
    expect(r.status).toBe('DONE');
    expect(r.warnings.some((w) => /^Worker peaked at about \d+ MB, over its MemorySize of 1 MB/.test(w))).toBe(true);
    expect(r.warnings.some((w) => w.startsWith('Plan'))).toBe(false);
  });
});

describe('zonalflow local: timeouts apart from waits (the load-sensitive assumption, made deterministic)', () => {
  it('waits 1000x shorter (a Fail handler\'s 60 s would be 60 ms: any machine overruns it) with AWS\'s timeouts: the ENOSPC still reported', async () => {
    const r = await runLocal({ input: INPUT, spec, out: out(), timeScale: 0.001, timeoutScale: 1, editTemplate: tinyTmp });
    expect(r.status).toBe('FAILED');
    expect(r.error?.message ?? '').toMatch(/ENOSPC: no space left on device/);
  });
  it('lambda-timeout at AWS\'s 300 s Worker timeout ends in seconds: the stall skips to the deadline', async () => {
    const lines: string[] = [];
    const t0 = Date.now();
    const r = await runLocal({ input: INPUT, spec, out: out(), faults: ['lambda-timeout'], timeScale: 0.001, timeoutScale: 1, log: (l) => lines.push(l) });
    expect(lines.some((l) => /failed Worker: Sandbox\.Timedout .*Task timed out after 300\.00 seconds/.test(l))).toBe(true);
    expect(r.status).toBe('DONE');
    expect(Date.now() - t0).toBeLessThan(100_000); // far under the 300 s a wall-clock stall would take
  });
});

/** The template with every statement of the Fail function's policies that lets it write objects removed: its MarkFailed fails. */
function withoutFailPut(t: Template): Template {
  for (const [id, r] of Object.entries(t.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy' || !id.startsWith('FunctionsFail')) continue;
    const doc = r.Properties?.PolicyDocument as { Statement: { Action: string | string[] }[] };
    doc.Statement = doc.Statement.filter((st) => ![st.Action].flat().some((a) => actionMatches(a, 's3:PutObject')));
  }
  return t;
}

describe('zonalflow local: a failing job keeps its record, a timeout says both times', () => {
  it('a job whose MarkFailed fails too (here denied its summary.json) still has a summary.json saying FAILED', async () => {
    const dir = out();
    const r = await runLocal({ input: INPUT, spec, out: dir, timeScale: 0.05, timeoutScale: 1, editTemplate: (t) => withoutFailPut(tinyTmp(t)) });
    expect(r.status).toBe('FAILED');
    expect(r.denials.some((d) => /FunctionsFail\w*\/Fail is not authorized to perform: s3:PutObject/.test(d))).toBe(true);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { status: string; error: { code: string; message: string } };
    expect(summary.status).toBe('FAILED');
    expect(summary.error).toEqual(r.error);
  });
  it('a scaled Lambda timeout gives AWS\'s seconds and the real ones', async () => {
    const lines: string[] = [];
    const r = await runLocal({ input: INPUT, spec, out: out(), faults: ['lambda-timeout'], timeScale: 0.001, timeoutScale: 0.5, log: (l) => lines.push(l) });
    expect(lines.some((l) => /failed Worker: Sandbox\.Timedout .*Task timed out after 300\.00 seconds \(150\.00 s of real time: durations scaled by 0\.5, --time-scale\)/.test(l)), lines.join('\n')).toBe(true);
    expect(r.status).toBe('DONE');
  });
});

describe('zonalflow local: the CLI', () => {
  it('an unknown fault name is a usage error listing the valid ones', async () => {
    let err = '';
    const stderr = new PassThrough();
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await main(['local', '--input', INPUT, '--spec', 'x.json', '--out', out(), '--faults', 'worker-crash,bogus'], { stderr, stdout: new PassThrough() });
    expect(code).toBe(2);
    expect(err).toContain('unknown fault "bogus" for --faults; valid: duplicate-event, duplicate-child, collect-retry, s3-slowdown, dynamodb-throttle, worker-crash, lambda-timeout');
  });
});
