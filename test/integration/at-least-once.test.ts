/**
 * At-least-once delivery (issue 14), with the real handlers against the
 * stand-ins: a duplicated upload event or a retried Collect never turns a
 * finished job into FAILED (MarkFailed leaves terminal jobs and their
 * summary.json alone); Collect on a finished job returns its summary; a
 * second execution does not re-plan while the first holds the upload's claim
 * ("already running"), a re-delivered event of a planned job is a
 * "duplicate upload"; a cancelled job's batches refuse to start or complete.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startStandIns } from '../../shared/local/stand-ins';
import type { StandIns } from '../../shared/local/stand-ins';
import { resetHandlerDeps, handlerDeps } from '../../shared/pipeline/deps';
import { handler as plan } from '../../lambdas/plan';
import { handler as worker } from '../../lambdas/worker';
import { handler as collect } from '../../lambdas/collect';
import { handler as fail } from '../../lambdas/fail';
import { getBytes, getJson } from '../../shared/pipeline/objects';
import type { BatchItem } from '../../shared/pipeline/events';
import { runBatch } from '../../shared/pipeline/worker';
import type { JobTracker } from '../../shared/pipeline/tracker';
import { jobIdFor, specDigest } from '../../shared/pipeline/keys';

const EX = join(import.meta.dirname, '../../examples');
let env: StandIns;
const saved = { ...process.env };
const spec = { input: { idColumn: 'ID_2' }, rasters: [{ name: 'elev', uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['count', 'mean'], batching: { grid: 'h3', maxFeatures: 4 }, output: { formats: ['parquet'] } };

beforeAll(async () => {
  env = await startStandIns({ buckets: ['zf-in', 'zf-out', 'zf-rasters'], table: 'zonalflow' });
  Object.assign(process.env, env.env, { TABLE_NAME: 'zonalflow', OUTPUT_BUCKET: 'zf-out', WORK_PREFIX: '_work/', RASTER_BUCKETS: 'zf-rasters', RASTER_HOSTS: '' });
  resetHandlerDeps();
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'elev.cog.tif', Body: readFileSync(join(EX, 'elev.cog.tif')) }));
});
afterAll(async () => {
  process.env = saved;
  resetHandlerDeps();
  await env.stop();
});

/** Uploads the cantons (and the spec beside them); returns the ETag the upload rule's event carries (Plan reads that version only). */
async function upload(key: string, withSpec = true): Promise<string> {
  if (withSpec) await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: key.replace(/\.gpkg$/, '.json'), Body: JSON.stringify(spec) }));
  return (await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: key, Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }))).ETag ?? '';
}

/** Plan as the state machine calls it: the execution input and the execution's id. */
const planIn = (key: string, etag: string, executionId: string): Promise<Awaited<ReturnType<typeof plan>>> => plan({ input: { bucket: 'zf-in', key, etag }, executionId });

async function runJob(key: string, etag: string): Promise<string> {
  const out = await planIn(key, etag, `exec-${key}`);
  for (const item of (await getJson(env.s3, out.manifest)) as BatchItem[]) await worker(item);
  await collect({ jobId: out.jobId });
  return out.jobId;
}

describe('at-least-once: finished jobs stay finished', () => {
  it('a duplicated upload event is a "duplicate upload"; MarkFailed on the finished job leaves it DONE and its summary.json byte for byte', async () => {
    const etag = await upload('dup.gpkg');
    const jobId = await runJob('dup.gpkg', etag);
    const summaryBefore = await getBytes(env.s3, { bucket: 'zf-out', key: `${jobId}/summary.json` });
    expect((JSON.parse(new TextDecoder().decode(summaryBefore ?? new Uint8Array())) as { status: string }).status).toBe('DONE');
    // the same event delivered again starts a second execution
    const second = await planIn('dup.gpkg', etag, 'exec-second');
    expect(second).toMatchObject({ jobId, duplicate: true, duplicateReason: 'duplicate upload' });
    // a Catch that reaches MarkFailed for this job (e.g. a second execution failing) must not rewrite it
    const r = await fail({ state: { jobId, error: { Error: 'States.TaskFailed', Cause: 'a duplicate execution failed' } }, execution: { bucket: 'zf-in', key: 'dup.gpkg', etag } });
    expect(r).toMatchObject({ jobId, unchanged: 'DONE' });
    expect((await handlerDeps().store.getJob(jobId))?.status).toBe('DONE');
    expect(await getBytes(env.s3, { bucket: 'zf-out', key: `${jobId}/summary.json` })).toEqual(summaryBefore);
  });

  it('Collect retried after it succeeded returns the job\'s summary and rewrites nothing', async () => {
    const jobId = await runJob('collect2.gpkg', await upload('collect2.gpkg'));
    const before = await getBytes(env.s3, { bucket: 'zf-out', key: `${jobId}/summary.json` });
    const again = await collect({ jobId });
    expect(again).toMatchObject({ jobId, status: 'DONE', features: { total: 12, done: 12, failed: 0, missing: 0 } });
    expect(await getBytes(env.s3, { bucket: 'zf-out', key: `${jobId}/summary.json` })).toEqual(before);
    expect((await handlerDeps().store.getJob(jobId))?.status).toBe('DONE');
  });

  it('a second execution does not re-plan while the first holds the claim ("already running"); the first one\'s retried Plan does', async () => {
    const etag = await upload('race.gpkg', false);
    // the spec names a raster not there yet: execution A claims the upload (its spec read), then fails on the
    // raster; Step Functions will retry A's Plan
    const raceSpec = { ...spec, rasters: [{ name: 'elev', uri: 's3://zf-rasters/race-elev.tif' }] };
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'race.json', Body: JSON.stringify(raceSpec) }));
    await expect(planIn('race.gpkg', etag, 'exec-A')).rejects.toThrow(/race-elev\.tif/);
    const b = await planIn('race.gpkg', etag, 'exec-B');
    expect(b).toMatchObject({ duplicate: true, duplicateReason: 'already running', batches: 0 });
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'race-elev.tif', Body: readFileSync(join(EX, 'elev.cog.tif')) }));
    const a = await planIn('race.gpkg', etag, 'exec-A');
    expect(a).toMatchObject({ duplicate: false, features: 12 });
    // once planned, any other execution is a duplicate upload
    expect(await planIn('race.gpkg', etag, 'exec-C')).toMatchObject({ duplicate: true, duplicateReason: 'duplicate upload' });
  });

  it('MarkFailed after a Plan that failed past its claim names the job that execution claimed (its id names the spec)', async () => {
    const etag = await upload('claimed.gpkg', false);
    const claimedSpec = { ...spec, rasters: [{ name: 'elev', uri: 's3://zf-rasters/claimed-missing.tif' }] };
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'claimed.json', Body: JSON.stringify(claimedSpec) }));
    await expect(planIn('claimed.gpkg', etag, 'exec-K')).rejects.toThrow(/claimed-missing\.tif/);
    const r = await fail({ state: { error: { Error: 'RasterError', Cause: '{"errorMessage":"no raster"}' } }, execution: { bucket: 'zf-in', key: 'claimed.gpkg', etag }, executionId: 'exec-K' });
    expect(r.jobId).toBe(jobIdFor('zf-in', 'claimed.gpkg', etag, specDigest(claimedSpec)));
    expect((await handlerDeps().store.getJob(r.jobId))?.status).toBe('FAILED');
    // another execution's MarkFailed (no claim of its own) never takes that job
    const other = await fail({ state: { error: { Error: 'SpecError', Cause: '{"errorMessage":"x"}' } }, execution: { bucket: 'zf-in', key: 'claimed.gpkg', etag }, executionId: 'exec-other' });
    expect(other.jobId).not.toBe(r.jobId);
  });

  it('MarkFailed for a job that has no record yet creates it FAILED with its summary', async () => {
    const r = await fail({ state: { error: { Error: 'SpecError', Cause: '{"errorMessage":"no job spec"}' } }, execution: { bucket: 'zf-in', key: 'never.gpkg', etag: 'n1' } });
    expect(r.unchanged).toBeUndefined();
    expect((await handlerDeps().store.getJob(r.jobId))?.status).toBe('FAILED');
    expect(await getJson(env.s3, { bucket: 'zf-out', key: `${r.jobId}/summary.json` })).toMatchObject({ status: 'FAILED', error: { code: 'SpecError', message: 'no job spec' } });
  });
});

describe('keys as EventBridge delivers them', () => {
  it('a URL-encoded key (space as +, %XX) is decoded to the object\'s real key', async () => {
    const etag = (await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'my fields é.gpkg', Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }))).ETag ?? '';
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'my fields é.json', Body: JSON.stringify(spec) }));
    const out = await planIn(`my+fields+${encodeURIComponent('é')}.gpkg`, etag, 'exec-encoded');
    expect(out).toMatchObject({ duplicate: false, features: 12 });
  });
});

describe('cancel stops workers', () => {
  it('a batch of a cancelled job refuses to start, and one cancelled while it ran refuses to complete', async () => {
    const out = await planIn('cancel.gpkg', await upload('cancel.gpkg'), 'exec-cancel');
    const items = (await getJson(env.s3, out.manifest)) as BatchItem[];
    const store = handlerDeps().store;
    const [first, second] = items as [BatchItem, BatchItem];
    // cancelled while the first batch runs: it computes, then refuses to complete
    // the cancellation is found in the batch's own writes: no read of a flag or of the job's status a batch
    const reads: string[] = [];
    const cancelling: JobTracker = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'batchCancelled' || prop === 'jobStatus') reads.push(prop);
        if (prop === 'startBatch') {
          return async (jobId: string, batchId: string) => {
            const started = await target.startBatch(jobId, batchId);
            await target.setJobStatus(jobId, 'CANCELLED');
            return started;
          };
        }
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const deps = handlerDeps();
    await expect(runBatch(first, { s3: deps.s3, tracker: cancelling, outputBucket: 'zf-out', workPrefix: '_work/', allowed: deps.config.allowed })).rejects.toThrow(`job ${out.jobId} is CANCELLED: batch ${first.batchId} does not complete`);
    expect((await store.getBatch(out.jobId, first.batchId))?.status).not.toBe('DONE');
    // and the next batch does not even start
    await expect(worker(second)).rejects.toMatchObject({ name: 'JobCancelledError', message: `job ${out.jobId} is CANCELLED: batch ${second.batchId} does not start` });
    expect((await store.getBatch(out.jobId, second.batchId))?.attempts).toBe(0);
    expect((await store.tally(out.jobId)).batchesDone).toBe(0);
    expect(reads).toEqual([]);
  });
});
