/**
 * The CLI against a "deployed" stack: S3 and DynamoDB are the stand-ins,
 * Step Functions and CloudFormation are mocked (aws-sdk-client-mock); the
 * upload rule's execution is played by the real handlers.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeExecutionCommand, DescribeMapRunCommand, ListExecutionsCommand, ListMapRunsCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { startStandIns } from '../../shared/local/stand-ins';
import type { StandIns } from '../../shared/local/stand-ins';
import { JobStore } from '../../shared/jobs/store';
import { resolveStack } from '../../shared/remote/stack';
import type { RemoteDeps } from '../../shared/remote/stack';
import { main } from '../../cli/main';
import { resetHandlerDeps } from '../../shared/pipeline/deps';
import { handler as plan } from '../../lambdas/plan';
import { handler as worker } from '../../lambdas/worker';
import { handler as collect } from '../../lambdas/collect';
import { getJson } from '../../shared/pipeline/objects';
import type { BatchItem } from '../../shared/pipeline/events';
import { jobIdFor, specDigest } from '../../shared/pipeline/keys';

const EX = join(import.meta.dirname, '../../examples');
const refs = { stackName: 'Zonalflow', inputBucket: 'zf-input', outputBucket: 'zf-output', table: 'zf-jobs', stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:zf' };
let env: StandIns;
let deps: RemoteDeps;
const sfn = mockClient(SFNClient);
const saved = { ...process.env };

beforeAll(async () => {
  env = await startStandIns({ buckets: [refs.inputBucket, refs.outputBucket], table: refs.table, jobsIndex: true });
  deps = { refs, s3: env.s3, sfn: new SFNClient({ region: 'us-east-1' }), store: new JobStore(env.doc, refs.table, { jobsIndex: 'byCreated' }) };
  Object.assign(process.env, env.env, { TABLE_NAME: refs.table, OUTPUT_BUCKET: refs.outputBucket, WORK_PREFIX: '_work/', RASTER_BUCKETS: refs.inputBucket, ZONALFLOW_ALLOW_LOCAL_FILES: '1' });
  resetHandlerDeps();
});
afterAll(async () => {
  process.env = saved;
  resetHandlerDeps();
  sfn.restore();
  await env.stop();
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void): Writable => new Writable({ write(chunk: Buffer, _e, cb) { f(chunk.toString()); cb(); } });
  const code = await main(argv, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), connector: () => Promise.resolve(deps) });
  return { code, out, err };
}

/** What the upload rule + state machine do on AWS, played by the handlers. */
async function pipeline(key: string, etag?: string, afterPlan?: () => Promise<void>): Promise<string> {
  const p = await plan({ bucket: refs.inputBucket, key, ...(etag ? { etag } : {}) });
  await afterPlan?.();
  for (const item of (await getJson(env.s3, p.manifest)) as BatchItem[]) await worker(item).catch(() => undefined);
  await collect({ jobId: p.jobId });
  return p.jobId;
}

describe('CLI against a deployed stack', () => {
  it('run (local file: uploaded for the rule), status, list, results', async () => {
    sfn.reset();
    const spec = join(mkdtempSync(join(tmpdir(), 'zf-remote-')), 'job.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(spec, JSON.stringify({ input: { idColumn: 'ID_2' }, rasters: [{ name: 'elev', uri: join(EX, 'elev.cog.tif') }], stats: ['mean'], batching: { grid: 'h3', maxFeatures: 5 } }));
    const given = join(EX, 'lux_cantons_2169.gpkg');
    const run = await cli('run', '--input', given, '--spec', spec);
    expect(run.code).toBe(0);
    const jobId = run.out.trim();
    // uploaded under a digest of the file and the spec (so no other file of its name shares the key), its name last
    const key = /uploaded to s3:\/\/zf-input\/(uploads\/[0-9a-f]{16}\/lux_cantons_2169\.gpkg);/.exec(run.err)?.[1] ?? '';
    expect(run.err).toBe(`zonalflow: job ${jobId} (${given}) uploaded to s3://zf-input/${key}; the upload rule starts it\n`);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(await pipeline(key)).toBe(jobId);
    sfn.on(ListMapRunsCommand).resolves({ mapRuns: [{ executionArn: 'x', mapRunArn: 'arn:maprun:1', stateMachineArn: refs.stateMachineArn, startDate: new Date() }] });
    sfn.on(DescribeMapRunCommand).resolves({ itemCounts: { pending: 0, running: 0, succeeded: 3, failed: 0, timedOut: 0, aborted: 0, total: 3, resultsWritten: 3 } });
    const status = await cli('status', jobId);
    // the job goes by its input as given to `run`, not by the object it was uploaded to
    expect(status.out).toBe(`${jobId} (${given}) DONE       [${'#'.repeat(24)}] batches 3/3, features 12/12; map run 3 succeeded, 0 running, 0 pending, 0 failed\n`);
    const json = JSON.parse((await cli('status', jobId, '--json')).out) as Record<string, unknown>;
    expect(json).toMatchObject({ jobId, inputName: given, input: `s3://zf-input/${key}`, status: 'DONE', features: { total: 12, done: 12, failed: 0 } });
    expect(sfn.commandCalls(ListMapRunsCommand)[0]?.args[0].input.executionArn).toBe(`arn:aws:states:us-east-1:000000000000:execution:zf:${jobId}`);
    const list = await cli('list');
    expect(list.out.split('\n').find((l) => l.startsWith(jobId))).toMatch(new RegExp(`^${jobId}\tDONE\t\\d{4}-\\d\\d-\\d\\dT[^\t]+\t12/12 features\t${given.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    const listed = (JSON.parse((await cli('list', '--json')).out) as { jobId: string }[]).find((j) => j.jobId === jobId);
    expect(listed).toMatchObject({ jobId, inputName: given, input: `s3://zf-input/${key}`, status: 'DONE', features: { total: 12, done: 12, failed: 0 }, batches: { total: 3, done: 3, failed: 0 } });
    expect(Object.keys(listed ?? {}).sort()).toEqual(['batches', 'createdAt', 'features', 'input', 'inputName', 'jobId', 'status', 'updatedAt']);
    const dir = mkdtempSync(join(tmpdir(), 'zf-results-'));
    const res = await cli('results', jobId, '--out', dir);
    expect(res.code).toBe(0);
    expect(existsSync(join(dir, 'results.parquet'))).toBe(true);
    // summary.json names the input as given and the object read
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toMatchObject({ jobId, inputName: given, input: `s3://zf-input/${key}`, status: 'DONE' });
  });

  it('run with an s3:// input starts an execution named after the job', async () => {
    sfn.reset();
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:1' });
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await env.s3.send(new PutObjectCommand({ Bucket: refs.inputBucket, Key: 'uploads/lux_cantons_2169.gpkg', Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }));
    const r = await cli('run', '--input', 's3://zf-input/uploads/lux_cantons_2169.gpkg');
    expect(r.code).toBe(0);
    const call = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(call?.name).toBe(r.out.trim());
    expect(JSON.parse(call?.input ?? '{}')).toMatchObject({ bucket: 'zf-input', key: 'uploads/lux_cantons_2169.gpkg', inputName: 's3://zf-input/uploads/lux_cantons_2169.gpkg' });
    expect(call?.stateMachineArn).toBe(refs.stateMachineArn);
  });

  it('retry resets only what failed and re-enters the job; cancel stops its execution', async () => {
    sfn.reset();
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:retry' });
    // a job whose raster disappears after Plan opened its header: its batches fail -> PARTIAL/FAILED
    const { DeleteObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const badEtag = (await env.s3.send(new PutObjectCommand({ Bucket: refs.inputBucket, Key: 'bad.gpkg', Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }))).ETag ?? '';
    await env.s3.send(new PutObjectCommand({ Bucket: refs.inputBucket, Key: 'missing.tif', Body: readFileSync(join(EX, 'elev.cog.tif')) }));
    await env.s3.send(new PutObjectCommand({ Bucket: refs.inputBucket, Key: 'bad.json', Body: JSON.stringify({ input: { idColumn: 'ID_2' }, rasters: [{ uri: 's3://zf-input/missing.tif' }], batching: { grid: 'h3', maxFeatures: 5 } }) }));
    const jobId = await pipeline('bad.gpkg', badEtag, async () => {
      await env.s3.send(new DeleteObjectCommand({ Bucket: refs.inputBucket, Key: 'missing.tif' }));
    });
    expect((await deps.store.getJob(jobId))?.status).toMatch(/PARTIAL|FAILED/);
    const r = await cli('retry', jobId);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/3 batches to re-run/);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}')).toMatchObject({ bucket: refs.inputBucket, key: 'bad.gpkg', jobId });
    expect((await deps.store.getJob(jobId))?.status).toBe('RUNNING');
    sfn.on(ListExecutionsCommand).resolves({ executions: [{ executionArn: 'arn:exec:retry', name: 'x', stateMachineArn: refs.stateMachineArn, status: 'RUNNING', startDate: new Date() }, { executionArn: 'arn:exec:other', name: 'y', stateMachineArn: refs.stateMachineArn, status: 'RUNNING', startDate: new Date() }] });
    sfn.on(DescribeExecutionCommand, { executionArn: 'arn:exec:retry' }).resolves({ input: JSON.stringify({ jobId }) });
    sfn.on(DescribeExecutionCommand, { executionArn: 'arn:exec:other' }).resolves({ input: JSON.stringify({ bucket: 'b', key: 'k.gpkg', etag: 'e' }) });
    sfn.on(StopExecutionCommand).resolves({});
    const c = await cli('cancel', jobId);
    expect(c.code).toBe(0);
    expect(sfn.commandCalls(StopExecutionCommand).map((x) => x.args[0].input.executionArn)).toEqual(['arn:exec:retry']);
    expect((await deps.store.getJob(jobId))?.status).toBe('CANCELLED');
  });

  it('status and list tell jobs apart by the input as given: a relative path, a non-ASCII one, one too long for S3 metadata, an s3:// URI, a dropped file, a job Plan failed', async () => {
    sfn.reset();
    const { copyFileSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { HeadObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const gpkg = join(EX, 'lux_cantons_2169.gpkg');
    const dir = mkdtempSync(join(tmpdir(), 'zf-names-'));
    const spec = join(dir, 'job.json');
    writeFileSync(spec, JSON.stringify({ input: { idColumn: 'ID_2' }, rasters: [{ name: 'elev', uri: join(EX, 'elev.cog.tif') }], stats: ['mean'], batching: { grid: 'h3', maxFeatures: 5 } }));
    const nameOf = async (jobId: string): Promise<string> => (JSON.parse((await cli('status', jobId, '--json')).out) as { inputName: string }).inputName;

    // a relative path stays relative (never resolved against the user's folders)
    const rel = relative(process.cwd(), gpkg);
    expect(rel.startsWith('/')).toBe(false);
    const r1 = await cli('run', '--input', rel, '--spec', spec, '--key', 'uploads/rel.gpkg');
    const relJob = await pipeline('uploads/rel.gpkg');
    expect(relJob).toBe(r1.out.trim());
    expect((await cli('status', relJob)).out).toMatch(new RegExp(`^${relJob} \\(${rel.replace(/\./g, '\\.')}\\) DONE `));

    // non-ASCII and spaces: US-ASCII on the object (percent-encoded), the path as typed in status
    const accented = join(dir, 'données é', 'champs ✓.gpkg');
    mkdirSync(join(dir, 'données é'));
    copyFileSync(gpkg, accented);
    await cli('run', '--input', accented, '--spec', spec, '--key', 'uploads/accented.gpkg');
    const meta = (await env.s3.send(new HeadObjectCommand({ Bucket: refs.inputBucket, Key: 'uploads/accented.gpkg' }))).Metadata ?? {};
    expect(meta['zonalflow-input-name']).toMatch(/^[!-~]+$/);
    expect(meta['zonalflow-input-name']?.endsWith('/donn%C3%A9es%20%C3%A9/champs%20%E2%9C%93.gpkg')).toBe(true);
    const accentedJob = await pipeline('uploads/accented.gpkg');
    expect(await nameOf(accentedJob)).toBe(accented);

    // 4 folders of 100 é: 2,400 bytes percent-encoded, over S3's 2 KB of metadata (the stand-in refuses that as S3
    // does): the name keeps its end within 1,024 bytes, and the upload goes through
    let deep = dir;
    for (let i = 0; i < 4; i++) deep = join(deep, 'é'.repeat(100));
    mkdirSync(deep, { recursive: true });
    const long = join(deep, 'champs.gpkg');
    copyFileSync(gpkg, long);
    const r3 = await cli('run', '--input', long, '--spec', spec, '--key', 'uploads/long.gpkg');
    expect(r3.code).toBe(0);
    expect((await env.s3.send(new HeadObjectCommand({ Bucket: refs.inputBucket, Key: 'uploads/long.gpkg' }))).Metadata?.['zonalflow-input-name']?.length).toBeLessThanOrEqual(1024);
    const longName = await nameOf(await pipeline('uploads/long.gpkg'));
    expect(longName.startsWith('...')).toBe(true);
    expect(longName.endsWith('é/champs.gpkg')).toBe(true);
    expect(long.endsWith(longName.slice(3))).toBe(true);

    // an s3:// input: the URI as typed, passed with the execution
    await env.s3.send(new PutObjectCommand({ Bucket: refs.inputBucket, Key: 'shared/fields.gpkg', Body: readFileSync(gpkg) }));
    await env.s3.send(new PutObjectCommand({ Bucket: refs.inputBucket, Key: 'shared/fields.json', Body: readFileSync(spec) }));
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:s3' });
    await cli('run', '--input', 's3://zf-input/shared/fields.gpkg');
    const execInput = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}') as Record<string, unknown>;
    const p = await plan({ input: execInput, executionId: 'arn:exec:s3' });
    expect(await nameOf(p.jobId)).toBe('s3://zf-input/shared/fields.gpkg');

    // a file dropped in the bucket (no name with it): its key
    await env.s3.send(new PutObjectCommand({ Bucket: refs.inputBucket, Key: 'drops/field parcels.gpkg', Body: readFileSync(gpkg) }));
    await env.s3.send(new PutObjectCommand({ Bucket: refs.inputBucket, Key: 'drops/field parcels.json', Body: readFileSync(spec) }));
    const dropJob = await pipeline('drops/field parcels.gpkg');

    // Plan fails after its claim (a raster that does not exist), before the job record: MarkFailed records the job
    // with the name Plan kept on the claim
    const bad = join(dir, 'bad', 'fields.gpkg');
    mkdirSync(join(dir, 'bad'));
    copyFileSync(gpkg, bad);
    const badSpec = join(dir, 'bad.json');
    writeFileSync(badSpec, JSON.stringify({ input: { idColumn: 'ID_2' }, rasters: [{ name: 'elev', uri: 's3://zf-input/no-such.tif' }], stats: ['mean'] }));
    const r6 = await cli('run', '--input', bad, '--spec', badSpec, '--key', 'uploads/bad-raster.gpkg');
    // as the upload rule starts it: bucket, key and ETag of the object
    const etag = (await env.s3.send(new HeadObjectCommand({ Bucket: refs.inputBucket, Key: 'uploads/bad-raster.gpkg' }))).ETag ?? '';
    const execution = { bucket: refs.inputBucket, key: 'uploads/bad-raster.gpkg', etag };
    const failure = await plan({ input: execution, executionId: 'arn:exec:bad' }).catch((e: unknown) => e as Error);
    expect(failure).toBeInstanceOf(Error);
    const { handler: fail } = await import('../../lambdas/fail');
    const marked = await fail({ state: { error: { Error: (failure as Error).name, Cause: JSON.stringify({ errorMessage: (failure as Error).message }) } }, execution, executionId: 'arn:exec:bad' });
    expect(marked.jobId).toBe(r6.out.trim());
    expect(await getJson(env.s3, { bucket: refs.outputBucket, key: `${marked.jobId}/summary.json` })).toMatchObject({ jobId: marked.jobId, inputName: bad, input: 's3://zf-input/uploads/bad-raster.gpkg', status: 'FAILED', error: { code: 'RasterError' } });
    expect((await cli('status', marked.jobId)).out).toMatch(new RegExp(`^${marked.jobId} \\(${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) FAILED `));

    // list: one line a job, its name last
    const lines = (await cli('list', '--limit', '50')).out.trim().split('\n').map((l) => l.split('\t'));
    const named = new Map(lines.map((cols) => [cols[0], cols[4]]));
    expect(named.get(relJob)).toBe(rel);
    expect(named.get(accentedJob)).toBe(accented);
    expect(named.get(p.jobId)).toBe('s3://zf-input/shared/fields.gpkg');
    expect(named.get(dropJob)).toBe('drops/field parcels.gpkg');
    expect(named.get(marked.jobId)).toBe(bad);
    expect(lines.every((cols) => cols.length === 5)).toBe(true);
  });

  it('two files of one name run back to back each get their own upload and results; the same file run again is the same job', async () => {
    sfn.reset();
    const { copyFileSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const dir = mkdtempSync(join(tmpdir(), 'zf-same-name-'));
    const spec = join(dir, 'job.json');
    writeFileSync(spec, JSON.stringify({ rasters: [{ name: 'elev', uri: join(EX, 'elev.cog.tif') }], stats: ['count'], batching: { grid: 'h3', maxFeatures: 5 } }));
    // ./2025/fields.gpkg: the 12 cantons; ./2026/fields.gpkg: the 5 features of the outputs fixture (make.py builds them with GDAL)
    const first = join(dir, '2025', 'fields.gpkg');
    const second = join(dir, '2026', 'fields.gpkg');
    mkdirSync(join(dir, '2025'));
    mkdirSync(join(dir, '2026'));
    copyFileSync(join(EX, 'lux_cantons_2169.gpkg'), first);
    copyFileSync(join(import.meta.dirname, '../fixtures/outputs/features_2169.gpkg'), second);
    const keyOf = (err: string): string => /uploaded to s3:\/\/zf-input\/(\S+);/.exec(err)?.[1] ?? '';
    // both uploaded before either job's Plan runs; each event carries the ETag its upload got
    const runs: { jobId: string; key: string; etag: string }[] = [];
    for (const file of [first, second]) {
      const r = await cli('run', '--input', file, '--spec', spec);
      expect(r.code).toBe(0);
      const key = keyOf(r.err);
      const etag = (await env.s3.send(new HeadObjectCommand({ Bucket: refs.inputBucket, Key: key }))).ETag ?? '';
      runs.push({ jobId: r.out.trim(), key, etag });
    }
    const [a, b] = runs as [typeof runs[0], typeof runs[0]];
    expect(a.key).not.toBe(b.key);
    expect(a.key).toMatch(/^uploads\/[0-9a-f]{16}\/fields\.gpkg$/);
    expect(b.key).toMatch(/^uploads\/[0-9a-f]{16}\/fields\.gpkg$/);
    expect(await pipeline(a.key, a.etag)).toBe(a.jobId);
    expect(await pipeline(b.key, b.etag)).toBe(b.jobId);
    // each job computed on its own file: 12 features and 5, each named as given
    const ja = (await deps.store.getJob(a.jobId))!;
    const jb = (await deps.store.getJob(b.jobId))!;
    expect(ja.counts.features).toBe(12);
    expect(jb.counts.features).toBe(5);
    expect(await getJson(env.s3, { bucket: refs.outputBucket, key: `${a.jobId}/summary.json` })).toMatchObject({ inputName: first, input: `s3://zf-input/${a.key}` });
    expect(await getJson(env.s3, { bucket: refs.outputBucket, key: `${b.jobId}/summary.json` })).toMatchObject({ inputName: second, input: `s3://zf-input/${b.key}` });
    // the same file with the same spec again: the same key and ETag, the same job; its event is a duplicate upload
    const again = await cli('run', '--input', first, '--spec', spec);
    expect(again.out.trim()).toBe(a.jobId);
    expect(keyOf(again.err)).toBe(a.key);
    const replay = await plan({ input: { bucket: refs.inputBucket, key: a.key, etag: a.etag }, executionId: 'arn:exec:again' });
    expect(replay).toMatchObject({ jobId: a.jobId, duplicate: true, duplicateReason: 'duplicate upload' });
    expect((await deps.store.getJob(a.jobId))?.counts.features).toBe(12);
    // the same file with another spec: another key (its spec beside it is its own), another job
    const otherSpec = join(dir, 'mean.json');
    writeFileSync(otherSpec, JSON.stringify({ rasters: [{ name: 'elev', uri: join(EX, 'elev.cog.tif') }], stats: ['mean'], batching: { grid: 'h3', maxFeatures: 5 } }));
    const other = await cli('run', '--input', first, '--spec', otherSpec);
    expect(keyOf(other.err)).not.toBe(a.key);
    expect(other.out.trim()).not.toBe(a.jobId);
  });

  it('an input replaced at its key after its job started fails that job with one line (before Plan inspects it, or between that and the download); the new object runs as its own job', async () => {
    sfn.reset();
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { handlerDeps } = await import('../../shared/pipeline/deps');
    const { handler: fail } = await import('../../lambdas/fail');
    const cantons = readFileSync(join(EX, 'lux_cantons_2169.gpkg'));
    const five = readFileSync(join(import.meta.dirname, '../fixtures/outputs/features_2169.gpkg'));
    const spec = JSON.stringify({ rasters: [{ name: 'elev', uri: join(EX, 'elev.cog.tif') }], stats: ['count'], batching: { grid: 'h3', maxFeatures: 5 } });
    const put = async (key: string, body: Uint8Array | string): Promise<string> => (await env.s3.send(new PutObjectCommand({ Bucket: refs.inputBucket, Key: key, Body: body }))).ETag ?? '';
    // the state machine: Plan, and on its failure MarkFailed with the caught error
    const execute = async (key: string, etag: string, executionId: string): Promise<{ jobId: string; failure?: Error }> => {
      const execution = { bucket: refs.inputBucket, key, etag };
      const failure = await plan({ input: execution, executionId }).then(() => undefined, (e: unknown) => e as Error);
      if (failure === undefined) throw new Error(`Plan of ${key} did not fail`);
      const marked = await fail({ state: { error: { Error: failure.name, Cause: JSON.stringify({ errorMessage: failure.message }) } }, execution, executionId });
      return { jobId: marked.jobId, failure };
    };
    for (const when of ['before Plan', 'during Plan'] as const) {
      const key = when === 'before Plan' ? 'drops/early/fields.gpkg' : 'drops/late/fields.gpkg';
      await put(key.replace(/\.gpkg$/, '.json'), spec);
      const started = (await put(key, cantons)).replace(/"/g, '');
      let replacedWith = '';
      let removeHook = (): void => undefined;
      if (when === 'before Plan') replacedWith = await put(key, five);
      else {
        // the second upload lands after Plan's HeadObject answered, just before its GetObject of the input is sent
        const s3 = handlerDeps().s3;
        s3.middlewareStack.add((next, context) => async (args) => {
          const input = args.input as { Key?: string };
          if (context.commandName === 'GetObjectCommand' && input.Key === key && replacedWith === '') replacedWith = await put(key, five);
          return next(args);
        }, { step: 'initialize', name: 'replaceInput' });
        removeHook = () => void s3.middlewareStack.remove('replaceInput');
      }
      let run: { jobId: string; failure?: Error };
      try {
        run = await execute(key, started, `arn:exec:${when}`);
      } finally {
        removeHook();
      }
      expect(replacedWith).not.toBe('');
      const line = `the input changed after the job started: s3://zf-input/${key} was replaced (the job was started for ETag ${started}); run it again`;
      expect(run.failure?.message).toBe(line);
      // recorded with its reason under the id of the job started for the first upload
      expect(run.jobId).toBe(jobIdFor(refs.inputBucket, key, started, specDigest(JSON.parse(spec))));
      const job = await deps.store.getJob(run.jobId);
      expect(job).toMatchObject({ status: 'FAILED', input: { key, etag: started, name: key }, error: { code: 'SourceError', message: line } });
      expect((await cli('status', run.jobId)).out).toBe(`${run.jobId} (${key}) FAILED     [${'.'.repeat(24)}] batches 0/0, features 0/0 - error [SOURCE_FAILED]: ${line}\n`);
      expect(await getJson(env.s3, { bucket: refs.outputBucket, key: `${run.jobId}/summary.json` })).toMatchObject({ status: 'FAILED', error: { message: line } });
      // the object now at the key is another upload: its own event starts its own job, on its own 5 features
      const own = await pipeline(key, replacedWith);
      expect(own).not.toBe(run.jobId);
      expect((await deps.store.getJob(own))?.counts.features).toBe(5);
    }
  });

  it('errors are one clear line: unknown job, unknown stack', async () => {
    const r = await cli('status', 'nope-123');
    expect(r.code).toBe(1);
    expect(r.err).toBe('zonalflow: error [JOB_NOT_FOUND]: no job nope-123 in the stack Zonalflow (zonalflow list shows the jobs)\n');
    const cfn = mockClient(CloudFormationClient);
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));
    await expect(resolveStack(new CloudFormationClient({ region: 'us-east-1' }), 'Nope')).rejects.toThrow('no stack Nope in this account and region (deploy it with npx cdk deploy, or pass --stack)');
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Zonalflow', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: Object.entries({ InputBucketName: 'i', OutputBucketName: 'o', TableName: 't', StateMachineArn: 'arn' }).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] });
    expect(await resolveStack(new CloudFormationClient({ region: 'us-east-1' }), 'Zonalflow')).toEqual({ stackName: 'Zonalflow', inputBucket: 'i', outputBucket: 'o', table: 't', stateMachineArn: 'arn' });
    cfn.restore();
  });
});
