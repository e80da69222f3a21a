import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startStandIns } from '../../shared/local/stand-ins';
import type { StandIns } from '../../shared/local/stand-ins';
import { JobStore } from '../../shared/jobs/store';
import { listKeys, mapLimit } from '../../shared/pipeline/objects';

let env: StandIns;
let store: JobStore;
beforeAll(async () => {
  env = await startStandIns({ buckets: ['zf-test'], table: 'zonalflow' });
  store = new JobStore(env.doc, 'zonalflow');
});
afterAll(async () => env.stop());

const result = (n: number): { featuresDone: number; featuresFailed: number; failures: never[]; parts: string[]; bytesRead: number; requests: number; ms: number } => ({ featuresDone: n, featuresFailed: 0, failures: [], parts: [`p/${n}`], bytesRead: 10, requests: 1, ms: 1 });

describe('job store against dynalite', () => {
  it('1000 batches each completed twice concurrently: counted once, tally exact', async () => {
    await store.createJob({ jobId: 'j1', input: { bucket: 'in', key: 'f.gpkg' }, outputBucket: 'out', features: 3000, batches: 1000, planMs: 5, planFailures: [] });
    const ids = Array.from({ length: 1000 }, (_, i) => `b${String(i).padStart(6, '0')}`);
    await store.putBatches('j1', ids.map((b) => ({ batchId: b, key: `k/${b}`, features: 3 })));
    const outcomes = await mapLimit([...ids, ...ids], 32, async (b) => {
      await store.startBatch('j1', b).catch(() => undefined);
      return store.completeBatch('j1', b, result(3));
    });
    expect(outcomes.filter(Boolean)).toHaveLength(1000);
    const tally = await store.tally('j1');
    expect(tally).toMatchObject({ batches: 1000, batchesDone: 1000, featuresDone: 3000, bytesRead: 10_000 });
    const job = await store.getJob('j1');
    expect(job?.counts.batchesDone).toBe(1000);
    expect(job?.counts.featuresDone).toBe(3000);
    expect((await store.startBatch('j1', 'b000001')).done).toBe(true);
  });
  it('the same upload is claimed once', async () => {
    expect(await store.claimUpload('in', 'a.gpkg', 'e1', 'job-a')).toBeNull();
    expect(await store.claimUpload('in', 'a.gpkg', 'e1', 'job-b')).toBe('job-a');
    expect(await store.claimUpload('in', 'a.gpkg', 'e2', 'job-c')).toBeNull();
  });
  it('terminal statuses are final; checkpoints resume', async () => {
    await store.createJob({ jobId: 'j2', input: { bucket: 'in', key: 'g.gpkg' }, outputBucket: 'out', features: 1, batches: 1, planMs: 1, planFailures: [] });
    await store.putBatches('j2', [{ batchId: 'b1', key: 'k', features: 10 }]);
    await store.startBatch('j2', 'b1');
    await store.checkpointBatch('j2', 'b1', 6, ['p1'], { featuresDone: 5, featuresFailed: 1, failures: [{ fid: 3, id: 'x', reason: 'bad' }], bytesRead: 1, requests: 1, ms: 1 });
    const again = await store.startBatch('j2', 'b1');
    expect(again).toMatchObject({ done: false, attempts: 2, cursor: 6, parts: ['p1'], featuresDone: 5, featuresFailed: 1 });
    await store.setJobStatus('j2', 'RUNNING');
    await store.setJobStatus('j2', 'DONE');
    await expect(store.setJobStatus('j2', 'RUNNING')).rejects.toThrow(/is DONE; it cannot become RUNNING/);
    await store.setJobStatus('j2', 'RUNNING', {}, true);
    expect((await store.listJobs()).map((j) => j.jobId)).toEqual(expect.arrayContaining(['j1', 'j2']));
  });
});

describe('S3 stand-in', () => {
  it('ranged GETs and ListObjectsV2 pagination beyond 1000 keys', async () => {
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-test', Key: 'x.bin', Body: Uint8Array.from({ length: 100 }, (_, i) => i) }));
    const got = await env.s3.send(new GetObjectCommand({ Bucket: 'zf-test', Key: 'x.bin', Range: 'bytes=10-14' }));
    expect([...(await got.Body?.transformToByteArray() ?? [])]).toEqual([10, 11, 12, 13, 14]);
    await mapLimit(Array.from({ length: 1100 }, (_, i) => i), 32, (i) => env.s3.send(new PutObjectCommand({ Bucket: 'zf-test', Key: `many/${String(i).padStart(5, '0')}`, Body: 'x' })));
    expect(await listKeys(env.s3, 'zf-test', 'many/')).toHaveLength(1100);
  });
});
