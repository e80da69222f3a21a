/** The job store against dynalite, started in-process by startStandIns(). */
import { describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { JobStore } from '../../../shared/jobs/store';
import { JOBS_INDEX_NAME } from '../../../shared/jobs/records';
import type { BatchResult, NewJob } from '../../../shared/pipeline/tracker';
import { useStandIns } from '../../helpers/local-aws';

const TABLE = 'zonalflow';
const aws = useStandIns({ table: TABLE, jobsIndex: true });

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

const newJob = (jobId: string, over: Partial<NewJob> = {}): NewJob => ({ jobId, input: { bucket: 'zf-in', key: `${jobId}.gpkg`, etag: '"e"' }, outputBucket: 'zf-out', features: 0, batches: 0, planMs: 3, planFailures: [], ...over });
const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `b${String(i + 1).padStart(6, '0')}`);

describe('job store on dynalite', () => {
  it('1000 batches, each started and completed twice concurrently: counted once, job counters and tally exact', async () => {
    const store = new JobStore(aws().doc, TABLE);
    const batchIds = ids(1000);
    // batch i has (i % 7) + 1 features, of which (i % 3 === 0 ? 1 : 0) failed, with a 120-character reason:
    // 1000 records of ~37 kB over 32 shard partitions (~31 a shard) make each shard's Query page twice (1 MB pages)
    const featuresOf = (i: number): number => (i % 7) + 1;
    const failedOf = (i: number): number => (i % 3 === 0 ? 1 : 0);
    const resultOf = (i: number): BatchResult => ({
      featuresDone: featuresOf(i) - failedOf(i),
      featuresFailed: failedOf(i),
      failures: [
        ...Array.from({ length: failedOf(i) }, () => ({ fid: i, id: `f${i}`, reason: 'x'.repeat(120) })),
      ],
      parts: [`parts/${batchIds[i] ?? ''}.parquet`, ...Array.from({ length: 280 }, (_, k) => `padding/${'p'.repeat(120)}/${k}`)],
      bytesRead: 1000 + i,
      requests: 2,
      ms: 5,
    });
    let features = 0;
    let failed = 0;
    let bytes = 0;
    for (let i = 0; i < 1000; i++) {
      features += featuresOf(i);
      failed += failedOf(i);
      bytes += 1000 + i;
    }
    expect([features, failed, bytes]).toEqual([3997, 334, 1_499_500]); // written out: sum((i%7)+1), ceil(1000/3), 1000*1000 + 999*1000/2

    await store.createJob(newJob('j-many', { features, batches: 1000 }));
    await store.putBatches('j-many', batchIds.map((b) => ({ batchId: b, key: `work/${b}.json`, features: 1 })));
    await store.setJobStatus('j-many', 'RUNNING');

    // the two runs of a batch are adjacent, so they are in flight at the same time
    const work = [...batchIds.keys()].flatMap((i) => [i, i]);
    const outcomes = await pool(work, 32, async (i) => {
      const b = batchIds[i] ?? '';
      await store.startBatch('j-many', b);
      return store.completeBatch('j-many', b, resultOf(i));
    });
    expect(outcomes.filter((o) => o)).toHaveLength(1000);

    const job = await store.getJob('j-many');
    expect(job?.counts).toEqual({ features, batches: 1000, batchesDone: 1000, batchesFailed: 0, featuresDone: features - failed, featuresFailed: failed });
    expect(job?.bytesRead).toBe(bytes);
    expect(job?.requests).toBe(2000);

    const pages: number[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const from = start;
      const page = await aws().doc.send(new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)', ExpressionAttributeValues: { ':pk': 'JOB#j-many#00', ':b': 'BATCH#' }, ExclusiveStartKey: from }));
      pages.push(page.Items?.length ?? 0);
      start = page.LastEvaluatedKey;
    } while (start);
    expect(pages.length).toBeGreaterThan(1); // the tally below has to paginate (in each shard)
    expect(pages.reduce((a, b) => a + b, 0)).toBe(31); // b000032, b000064, ... b000992: batch number mod 32 = 0

    const tally = await store.tallyBatches('j-many');
    expect(tally).toMatchObject({ batches: 1000, batchesDone: 1000, batchesFailed: 0, batchesPending: 0, featuresDone: features - failed, featuresFailed: failed, bytesRead: bytes, requests: 2000 });
    expect(tally.failures).toHaveLength(failed);
    expect(tally.parts.filter((p) => p.startsWith('parts/'))).toHaveLength(1000);
    const attempts = (await store.listBatches('j-many')).map((b) => b.attempts);
    expect(attempts.every((a) => a === 1 || a === 2)).toBe(true); // the second start may come after completion (skipped, not counted)
    expect((await store.startBatch('j-many', 'b000001')).done).toBe(true);
  }, 600_000); // a hang guard, not a timing: ~28 s alone, past 120 s once on a 2-core machine at load 15

  it('the same object and ETag start one job; a new ETag is a new upload', async () => {
    const store = new JobStore(aws().doc, TABLE);
    const claims = await Promise.all(['job-a', 'job-b', 'job-c', 'job-d'].map((j) => store.claimUpload('zf-in', 'a.gpkg', '"e1"', j)));
    const winners = claims.filter((c) => c === null);
    expect(winners).toHaveLength(1);
    const owner = ['job-a', 'job-b', 'job-c', 'job-d'][claims.indexOf(null)];
    expect(claims.filter((c) => c !== null).every((c) => c === owner)).toBe(true);
    expect(await store.claimUpload('zf-in', 'a.gpkg', 'e1', 'job-e')).toBe(owner); // quotes or not: same ETag
    expect(await store.claimUpload('zf-in', 'a.gpkg', 'e2', 'job-f')).toBeNull();
    expect(await store.claimUpload('zf-in', 'b.gpkg', 'e1', 'job-g')).toBeNull();
  });

  it('statuses go forward only; failures, retry and the failed counter', async () => {
    const store = new JobStore(aws().doc, TABLE);
    await store.createJob(newJob('j-life', { features: 6, batches: 3 }));
    await store.putBatches('j-life', ids(3).map((b) => ({ batchId: b, key: `k/${b}`, features: 2 })));
    await store.setJobStatus('j-life', 'RUNNING');
    await store.setJobStatus('j-life', 'RUNNING'); // a retried stage
    await expect(store.setJobStatus('j-life', 'PLANNING')).rejects.toThrow('job j-life is RUNNING; it cannot become PLANNING');

    await store.startBatch('j-life', 'b000001');
    await store.completeBatch('j-life', 'b000001', { featuresDone: 2, featuresFailed: 0, failures: [], parts: ['p1'], bytesRead: 1, requests: 1, ms: 1 });
    await store.startBatch('j-life', 'b000002');
    await store.failBatch('j-life', 'b000002', 'RASTER_INVALID: truncated tile');
    await store.failBatch('j-life', 'b000002', 'RASTER_INVALID: truncated tile'); // counted once
    expect(await store.failBatchOnce('j-life', 'b000001', 'too late')).toBe(false); // DONE stays DONE
    expect((await store.failedBatches('j-life')).map((b) => [b.batchId, b.error])).toEqual([['b000002', 'RASTER_INVALID: truncated tile']]);
    expect((await store.getJob('j-life'))?.counts).toMatchObject({ batchesDone: 1, batchesFailed: 1 });
    expect(await store.listBatches('j-life', { status: 'PENDING' })).toHaveLength(1);

    await store.setJobStatus('j-life', 'COLLECTING');
    await store.setJobStatus('j-life', 'PARTIAL', { summaryKey: 'j-life/summary.json' });
    await expect(store.setJobStatus('j-life', 'DONE')).rejects.toThrow('job j-life is PARTIAL; it cannot become DONE');
    await expect(store.setJobStatus('j-life', 'FAILED')).rejects.toThrow(/is PARTIAL; it cannot become FAILED/);
    expect(await store.getJob('j-life')).toMatchObject({ status: 'PARTIAL', summaryKey: 'j-life/summary.json' });

    expect(await store.retryJob('j-life')).toEqual(['b000002', 'b000003']);
    expect(await store.getJob('j-life')).toMatchObject({ status: 'RUNNING', counts: { batchesFailed: 0, batchesDone: 1 } });
    expect((await store.startBatch('j-life', 'b000002')).attempts).toBe(2);
    expect(await store.completeBatch('j-life', 'b000002', { featuresDone: 2, featuresFailed: 0, failures: [], parts: ['p2'], bytesRead: 1, requests: 1, ms: 1 })).toBe(true);
    const b2 = await store.getBatch('j-life', 'b000002');
    expect(b2).toMatchObject({ status: 'DONE', featuresDone: 2 });
    expect(b2?.error).toBeUndefined();
    expect((await store.tally('j-life'))).toMatchObject({ batchesDone: 2, batchesFailed: 0, batchesPending: 1, featuresDone: 4 });
    await expect(store.setJobStatus('nope', 'RUNNING')).rejects.toThrow('job nope does not exist');
  });

  it('listJobs: newest first, by the byCreated index and by Scan alike', async () => {
    let t = Date.parse('2030-01-01T00:00:00Z');
    const clock = { now: (): Date => new Date(t) };
    const store = new JobStore(aws().doc, TABLE, clock);
    for (const j of ['list-1', 'list-2', 'list-3']) {
      t += 60_000;
      await store.createJob(newJob(j));
    }
    await store.setJobStatus('list-2', 'FAILED', { error: { code: 'X', message: 'y' } });
    const indexed = new JobStore(aws().doc, TABLE, { ...clock, jobsIndex: JOBS_INDEX_NAME });
    expect((await indexed.listJobs({ limit: 3 })).map((j) => j.jobId)).toEqual(['list-3', 'list-2', 'list-1']);
    expect((await store.listJobs({ limit: 3 })).map((j) => j.jobId)).toEqual(['list-3', 'list-2', 'list-1']);
    expect((await indexed.listJobs({ status: 'FAILED' })).map((j) => j.jobId)).toEqual(['list-2']);
    expect((await store.listJobs({ status: 'FAILED' })).map((j) => j.jobId)).toEqual(['list-2']);
    const all = await store.listJobs(1000);
    expect(all.map((j) => j.jobId)).toEqual(expect.arrayContaining(['j-many', 'j-life', 'list-1']));
    expect(all.every((j) => typeof j.createdAt === 'string' && j.status !== undefined)).toBe(true);
  });
});
