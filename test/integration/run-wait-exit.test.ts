/**
 * `zonalflow run --wait` exits as `stats` and `local` do (shared/jobs/outcome.ts): a job that FAILED
 * because its spec or input could not be used is a usage error (2), any other FAILED job 1, PARTIAL 3,
 * DONE 0. The real `run` command (cli/main.ts) against a stack of stand-ins: S3 and DynamoDB are the
 * local stand-ins, Step Functions is mocked; its StartExecution plays the state machine with the real
 * handlers (Plan, Worker, Collect, and the Catch's MarkFailed with the error's name as Step Functions
 * passes it). Inputs: test/fixtures/cases (tiles.gpkg: 16 squares on base.tif; corrupt_tile0.tif has
 * its tile 0 corrupt, so only t00 fails).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startStandIns } from '../../shared/local/stand-ins';
import type { StandIns } from '../../shared/local/stand-ins';
import { JobStore } from '../../shared/jobs/store';
import type { RemoteDeps } from '../../shared/remote/stack';
import { main } from '../../cli/main';
import { resetHandlerDeps } from '../../shared/pipeline/deps';
import { handler as plan } from '../../lambdas/plan';
import { handler as worker } from '../../lambdas/worker';
import { handler as collect } from '../../lambdas/collect';
import { handler as markFailed } from '../../lambdas/fail';
import { getJson } from '../../shared/pipeline/objects';
import type { BatchItem } from '../../shared/pipeline/events';

const FIX = join(import.meta.dirname, '../fixtures/cases');
const refs = { stackName: 'Zonalflow', inputBucket: 'zf-input', outputBucket: 'zf-output', table: 'zf-jobs', stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:zf' };
let env: StandIns;
let deps: RemoteDeps;
const sfn = mockClient(SFNClient);
const saved = { ...process.env };

/** One execution of the state machine: Plan, a Worker per batch, Collect; an error in Plan or Collect goes to MarkFailed as `$.error`. */
async function execute(cmd: StartExecutionCommandInput): Promise<{ executionArn: string; startDate: Date }> {
  const executionArn = `${refs.stateMachineArn.replace(':stateMachine:', ':execution:')}:${cmd.name ?? 'x'}`;
  const input = JSON.parse(cmd.input ?? '{}') as Record<string, unknown>;
  let state: Record<string, unknown> = input;
  try {
    const p = await plan({ input, executionId: executionArn });
    state = { ...p };
    for (const item of (await getJson(env.s3, p.manifest)) as BatchItem[]) await worker(item);
    await collect({ jobId: p.jobId });
  } catch (err) {
    // Step Functions' Catch: Error is the name of the error the Lambda threw, Cause its {errorType, errorMessage}
    const e = err as Error;
    await markFailed({ state: { ...state, error: { Error: e.name, Cause: JSON.stringify({ errorType: e.name, errorMessage: e.message }) } }, execution: input, executionId: executionArn });
  }
  return { executionArn, startDate: new Date() };
}

beforeAll(async () => {
  env = await startStandIns({ buckets: [refs.inputBucket, refs.outputBucket], table: refs.table, jobsIndex: true });
  deps = { refs, s3: env.s3, sfn: new SFNClient({ region: 'us-east-1' }), store: new JobStore(env.doc, refs.table, { jobsIndex: 'byCreated' }) };
  Object.assign(process.env, env.env, { TABLE_NAME: refs.table, OUTPUT_BUCKET: refs.outputBucket, WORK_PREFIX: '_work/', RASTER_BUCKETS: refs.inputBucket });
  resetHandlerDeps();
  sfn.on(StartExecutionCommand).callsFake(execute);
  const put = (key: string, file: string): Promise<unknown> => env.s3.send(new PutObjectCommand({ Bucket: refs.inputBucket, Key: key, Body: readFileSync(file) }));
  await put('tiles.gpkg', join(FIX, 'redirect-loopback/tiles.gpkg'));
  await put('base.tif', join(FIX, 'redirect-loopback/base.tif'));
  await put('corrupt_tile0.tif', join(FIX, 'corrupt-tile/corrupt_tile0.tif'));
}, 60_000);
afterAll(async () => {
  process.env = saved;
  resetHandlerDeps();
  sfn.restore();
  await env.stop();
});

async function runWait(spec: Record<string, unknown>): Promise<{ code: number; jobId: string; err: string }> {
  const specPath = join(mkdtempSync(join(tmpdir(), 'zf-run-wait-')), 'job.json');
  writeFileSync(specPath, JSON.stringify(spec));
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void): Writable => new Writable({ write(chunk: Buffer, _e, cb) { f(chunk.toString()); cb(); } });
  const code = await main(['run', '--input', `s3://${refs.inputBucket}/tiles.gpkg`, '--spec', specPath, '--wait'], { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), connector: () => Promise.resolve(deps) });
  return { code, jobId: out.trim(), err };
}

const base = { input: { idColumn: 'name' }, stats: ['count', 'mean'], batching: { grid: 'h3', maxFeatures: 4 } };

describe('run --wait exits with the rule of stats and local', () => {
  it('a job failed by its input (InputError: an included column the layer lacks) exits 2', async () => {
    const r = await runWait({ ...base, input: { idColumn: 'name', include: ['no_such_column'] }, rasters: [{ uri: `s3://${refs.inputBucket}/base.tif` }] });
    const job = await deps.store.getJob(r.jobId);
    expect(job).toMatchObject({ status: 'FAILED', error: { code: 'InputError' } });
    // the job line gives the error as stats prints one: its code, not the error's name
    expect(r.err).toMatch(/FAILED .* - error \[INPUT_INVALID\]: .*no column "no_such_column"/);
    expect(r.code).toBe(2);
  });

  it('a job failed by anything else (a raster the allow-list refuses) exits 1', async () => {
    const r = await runWait({ ...base, rasters: [{ uri: 's3://another-bucket/base.tif' }] });
    const job = await deps.store.getJob(r.jobId);
    expect(job).toMatchObject({ status: 'FAILED', error: { code: 'UriNotAllowedError' } });
    expect(r.err).toMatch(/FAILED .* - error \[URI_NOT_ALLOWED\]: s3:\/\/another-bucket\/base\.tif/);
    expect(r.code).toBe(1);
  });

  it('a job with one feature failed (t00 on the corrupt tile) exits 3, one with none 0', async () => {
    const partial = await runWait({ ...base, rasters: [{ uri: `s3://${refs.inputBucket}/corrupt_tile0.tif` }] });
    expect(partial.err).toMatch(/PARTIAL .*features 15\/16 \(1 failed\)/);
    expect(partial.code).toBe(3);
    const done = await runWait({ ...base, rasters: [{ uri: `s3://${refs.inputBucket}/base.tif` }] });
    expect(done.err).toMatch(/DONE .*features 16\/16/);
    expect(done.code).toBe(0);
  });
});
