import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { JobStore, JobStoreError } from '../../../shared/jobs/store';
import type { BatchResult } from '../../../shared/pipeline/tracker';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }));
const m = mockClient(doc);
const ccf = (): ConditionalCheckFailedException => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const result = (over: Partial<BatchResult> = {}): BatchResult => ({ featuresDone: 4, featuresFailed: 1, failures: [{ fid: 7, id: 'f7', reason: 'bad ring' }], parts: ['parts/b000001.parquet'], bytesRead: 1000, requests: 3, ms: 12, ...over });
const noSleep = { sleep: (): Promise<void> => Promise.resolve() };

beforeEach(() => m.reset());

describe('JobStore conditional writes (aws-sdk-client-mock)', () => {
  it('completeBatch on an already DONE batch returns false and does not touch the job counters', async () => {
    m.on(UpdateCommand).rejectsOnce(ccf());
    // the refused write's reason read back (DONE, not cancelled)
    m.on(GetCommand).resolves({ Item: { jobId: 'j', batchId: 'b000001', status: 'DONE', attempts: 1 } });
    const store = new JobStore(doc, 't');
    expect(await store.completeBatch('j', 'b000001', result())).toBe(false);
    const calls = m.commandCalls(UpdateCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.Key).toEqual({ pk: 'JOB#j#01', sk: 'BATCH#b000001' });
    expect(input?.ConditionExpression).toBe('attribute_exists(pk) AND #s <> :done AND attribute_not_exists(cancelled)');
    expect(input?.ExpressionAttributeValues?.[':done']).toBe('DONE');
  });

  it('a first completion bumps the counters of its shard once, by the batch result, never the job record (hot item)', async () => {
    m.on(UpdateCommand).resolves({ Attributes: { status: 'RUNNING' } });
    expect(await new JobStore(doc, 't').completeBatch('j', 'b000033', result())).toBe(true);
    const calls = m.commandCalls(UpdateCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input.Key).toEqual({ pk: 'JOB#j#01', sk: 'BATCH#b000033' });
    const counters = calls[1]?.args[0].input;
    // batch 33 of 32 shards: shard 01, the batch record's own partition; one small item (1 WCU a write)
    expect(counters?.Key).toEqual({ pk: 'JOB#j#01', sk: 'COUNTS' });
    expect(counters?.UpdateExpression).toBe('ADD batchesDone :one, featuresDone :fd, featuresFailed :ff, bytesRead :b, requests :r');
    expect(counters?.ExpressionAttributeValues).toEqual({ ':one': 1, ':fd': 4, ':ff': 1, ':b': 1000, ':r': 3 });
    expect(calls.some((c) => c.args[0].input.Key?.sk === 'JOB')).toBe(false);
  });

  it('completing a batch that had FAILED moves it from batchesFailed to batchesDone (in its shard)', async () => {
    m.on(UpdateCommand).resolves({ Attributes: { status: 'FAILED' } });
    await new JobStore(doc, 't').completeBatch('j', 'b000001', result());
    const counters = m.commandCalls(UpdateCommand)[1]?.args[0].input;
    expect(counters?.UpdateExpression).toBe('ADD batchesDone :one, featuresDone :fd, featuresFailed :ff, bytesRead :b, requests :r, batchesFailed :minusOne');
    expect(counters?.ExpressionAttributeValues?.[':minusOne']).toBe(-1);
  });

  it('getJob sums the counters of every shard (one BatchGetItem of 32 keys) onto the job record', async () => {
    m.on(GetCommand).resolves({ Item: { pk: 'JOB#j', sk: 'JOB', jobId: 'j', status: 'RUNNING', counts: { features: 10, batches: 40, batchesDone: 0, batchesFailed: 0, featuresDone: 0, featuresFailed: 0 }, bytesRead: 0, requests: 0 } });
    m.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: { pk: string; sk: string }[] }> }) => {
      const keys = input.RequestItems.t?.Keys ?? [];
      expect(keys).toHaveLength(32);
      expect(new Set(keys.map((k) => k.pk)).size).toBe(32);
      // shards 00 and 1f hold counts, the others have none yet
      return { Responses: { t: [{ pk: 'JOB#j#00', sk: 'COUNTS', batchesDone: 2, featuresDone: 5, featuresFailed: 1, bytesRead: 100, requests: 4 }, { pk: 'JOB#j#1f', sk: 'COUNTS', batchesDone: 1, batchesFailed: 1, featuresDone: 3, bytesRead: 50, requests: 2 }] } };
    });
    const job = await new JobStore(doc, 't').getJob('j');
    expect(job?.counts).toEqual({ features: 10, batches: 40, batchesDone: 3, batchesFailed: 1, featuresDone: 8, featuresFailed: 1 });
    expect([job?.bytesRead, job?.requests]).toEqual([150, 6]);
  });

  it('failBatch counts a batch as failed once, and never fails a DONE batch', async () => {
    const store = new JobStore(doc, 't');
    m.on(UpdateCommand).resolves({ Attributes: { status: 'RUNNING' } });
    expect(await store.failBatchOnce('j', 'b1', 'boom')).toBe(true);
    expect(m.commandCalls(UpdateCommand)).toHaveLength(2);
    expect(m.commandCalls(UpdateCommand)[1]?.args[0].input).toMatchObject({ Key: { pk: 'JOB#j#01', sk: 'COUNTS' }, UpdateExpression: 'ADD batchesFailed :one' });
    m.reset();
    m.on(UpdateCommand).resolves({ Attributes: { status: 'FAILED' } });
    expect(await store.failBatchOnce('j', 'b1', 'boom again')).toBe(true);
    expect(m.commandCalls(UpdateCommand)).toHaveLength(1); // already counted
    m.reset();
    m.on(UpdateCommand).rejects(ccf());
    expect(await store.failBatchOnce('j', 'b1', 'late')).toBe(false);
    await expect(store.failBatch('j', 'b1', 'late')).resolves.toBeUndefined();
  });

  it('startBatch on a DONE batch reports done without changing it', async () => {
    m.on(UpdateCommand).rejects(ccf());
    m.on(GetCommand).resolves({ Item: { jobId: 'j', batchId: 'b1', status: 'DONE', attempts: 2, featuresDone: 9, featuresFailed: 0, parts: ['p'] } });
    expect(await new JobStore(doc, 't').startBatch('j', 'b1')).toEqual({ done: true, attempts: 2, cursor: 0, parts: ['p'], featuresDone: 9, featuresFailed: 0, failures: [] });
  });

  it('startBatch on a missing batch is a typed error naming it', async () => {
    m.on(UpdateCommand).rejects(ccf());
    m.on(GetCommand).resolves({});
    await expect(new JobStore(doc, 't').startBatch('j', 'b9')).rejects.toMatchObject({ name: 'JobStoreError', code: 'JOB_STORE', message: 'batch b9 of job j does not exist' });
  });
});

describe('upload dedupe', () => {
  it('the first claim wins: conditional put attribute_not_exists(pk)', async () => {
    m.on(PutCommand).resolves({});
    expect(await new JobStore(doc, 't').claimUpload('in', 'a.gpkg', '"e1"', 'first')).toBeNull();
    const put = m.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(put?.Item).toMatchObject({ pk: 'UPLOAD#in/a.gpkg', sk: 'ETAG#e1', jobId: 'first' });
  });
  it('the claim carries the input\'s name, and uploadJobOf gives it back with the job (the Fail handler\'s name for a job Plan did not record)', async () => {
    m.on(PutCommand).resolves({});
    expect(await new JobStore(doc, 't').claimUpload('in', 'uploads/a.gpkg', 'e1#d', 'first', 'exec-1', './data/a.gpkg')).toBeNull();
    expect(m.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({ jobId: 'first', owner: 'exec-1', inputName: './data/a.gpkg' });
    m.on(QueryCommand).resolves({ Items: [{ jobId: 'other', owner: 'exec-0' }, { jobId: 'first', owner: 'exec-1', inputName: './data/a.gpkg' }] });
    expect(await new JobStore(doc, 't').uploadJobOf('in', 'uploads/a.gpkg', 'e1', 'exec-1')).toEqual({ jobId: 'first', inputName: './data/a.gpkg' });
    // a claim made before names were kept: the job alone
    m.on(QueryCommand).resolves({ Items: [{ jobId: 'old', owner: 'exec-2' }] });
    expect(await new JobStore(doc, 't').uploadJobOf('in', 'uploads/a.gpkg', 'e1', 'exec-2')).toEqual({ jobId: 'old' });
  });
  it('createJob records the input\'s name beside the object (input.name); without one the record has none', async () => {
    m.on(PutCommand).resolves({});
    await new JobStore(doc, 't').createJob({ jobId: 'j', input: { bucket: 'in', key: 'uploads/a.gpkg', etag: '"e1"', name: './data/a.gpkg' }, outputBucket: 'o', features: 1, batches: 1, planMs: 1, planFailures: [] });
    expect(m.commandCalls(PutCommand)[0]?.args[0].input.Item?.input).toEqual({ bucket: 'in', key: 'uploads/a.gpkg', etag: 'e1', name: './data/a.gpkg' });
    await new JobStore(doc, 't').createJob({ jobId: 'k', input: { bucket: 'in', key: 'b.gpkg' }, outputBucket: 'o', features: 1, batches: 1, planMs: 1, planFailures: [] });
    expect(m.commandCalls(PutCommand)[1]?.args[0].input.Item?.input).toEqual({ bucket: 'in', key: 'b.gpkg' });
  });
  it('jobHead: status and input in one consistent GetItem; a record without a well-formed input gives none', async () => {
    m.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'RUNNING', input: { bucket: 'in', key: 'uploads/a.gpkg', name: './a.gpkg' } } });
    expect(await new JobStore(doc, 't').jobHead('j')).toEqual({ status: 'RUNNING', input: { bucket: 'in', key: 'uploads/a.gpkg', name: './a.gpkg' } });
    expect(m.commandCalls(GetCommand)).toHaveLength(1);
    expect(m.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
    m.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'DONE', input: { bucket: 'in' } } });
    expect(await new JobStore(doc, 't').jobHead('j')).toEqual({ status: 'DONE' });
    m.on(GetCommand).resolves({});
    expect(await new JobStore(doc, 't').jobHead('j')).toBeNull();
  });
  it('a duplicate upload returns the job that claimed it', async () => {
    m.on(PutCommand).rejects(ccf());
    m.on(GetCommand).resolves({ Item: { jobId: 'first' } });
    expect(await new JobStore(doc, 't').claimUpload('in', 'a.gpkg', 'e1', 'second')).toBe('first');
    expect(m.commandCalls(GetCommand)[0]?.args[0].input.ConsistentRead).toBe(true);
  });
  it('a second claim with the same job id still reports the claim (deterministic job ids: re-delivery)', async () => {
    m.on(PutCommand).rejects(ccf());
    m.on(GetCommand).resolves({ Item: { jobId: 'first' } });
    expect(await new JobStore(doc, 't').claimUpload('in', 'a.gpkg', 'e1', 'first')).toBe('first');
  });
});

describe('batch registration', () => {
  const batches = (n: number): { batchId: string; key: string; features: number }[] => Array.from({ length: n }, (_, i) => ({ batchId: `b${String(i + 1).padStart(6, '0')}`, key: `work/b${i}.json`, features: 2 }));

  it('writes chunks of 25 and retries unprocessed items with growing, bounded backoff', async () => {
    const sleeps: number[] = [];
    m.on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { t: [{ PutRequest: { Item: { pk: 'x' } } }, { PutRequest: { Item: { pk: 'y' } } }] } })
      .resolvesOnce({ UnprocessedItems: { t: [{ PutRequest: { Item: { pk: 'y' } } }] } })
      .resolves({ UnprocessedItems: {} });
    const store = new JobStore(doc, 't', { sleep: (ms) => (sleeps.push(ms), Promise.resolve()) });
    await store.putBatches('j', batches(60));
    const sizes = m.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.t?.length);
    expect(sizes).toEqual([25, 2, 1, 25, 10]);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeLessThanOrEqual(100); // 50 ms * 2^1, full jitter
    expect(sleeps[1]).toBeLessThanOrEqual(200);
    const first = m.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.t?.[0]?.PutRequest?.Item;
    expect(first).toMatchObject({ pk: 'JOB#j#01', sk: 'BATCH#b000001', status: 'PENDING', attempts: 0, features: 2 });
  });

  it('gives up with a typed error when items stay unprocessed', async () => {
    m.on(BatchWriteCommand).resolves({ UnprocessedItems: { t: [{ PutRequest: { Item: { pk: 'x' } } }] } });
    const store = new JobStore(doc, 't', { ...noSleep, maxBatchWriteAttempts: 4 });
    await expect(store.putBatches('j', batches(3))).rejects.toThrow(/could not write 1 batch records of job j after 4 BatchWriteItem attempts/);
    expect(m.commandCalls(BatchWriteCommand)).toHaveLength(4);
  });

  it('batch records expire after the configured TTL', async () => {
    m.on(BatchWriteCommand).resolves({});
    const now = new Date('2026-01-01T00:00:00Z');
    await new JobStore(doc, 't', { now: () => now, batchTtlDays: 7 }).putBatches('j', batches(1));
    const item = m.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.t?.[0]?.PutRequest?.Item;
    expect(item?.ttl).toBe(now.getTime() / 1000 + 7 * 86400);
  });

  it('rejects invalid and duplicate batches before writing anything', async () => {
    const store = new JobStore(doc, 't');
    await expect(store.putBatches('j', [{ batchId: 'b#1', key: 'k', features: 1 }])).rejects.toThrow(/invalid batch id "b#1" of job j/);
    await expect(store.putBatches('j', [{ batchId: 'b1', key: 'k', features: -1 }])).rejects.toThrow(/feature count of batch b1/);
    await expect(store.putBatches('j', [...batches(2), ...batches(1)])).rejects.toThrow(/batch b000001 of job j is listed twice/);
    expect(m.commandCalls(BatchWriteCommand)).toHaveLength(0);
  });
});

describe('job status', () => {
  it('the write is conditional on an allowed previous status', async () => {
    m.on(UpdateCommand).resolves({});
    await new JobStore(doc, 't').setJobStatus('j', 'COLLECTING', { note: 'x' });
    const input = m.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.ConditionExpression).toBe('attribute_exists(pk) AND #s IN (:p0, :p1, :p2)');
    expect([input?.ExpressionAttributeValues?.[':p0'], input?.ExpressionAttributeValues?.[':p1'], input?.ExpressionAttributeValues?.[':p2']]).toEqual(['PLANNING', 'RUNNING', 'COLLECTING']);
    expect(input?.UpdateExpression).toBe('SET #s = :s, updatedAt = :now, #x0 = :x0');
  });
  it('a refused transition is a typed error naming both statuses', async () => {
    m.on(UpdateCommand).rejects(ccf());
    m.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'DONE' } });
    await expect(new JobStore(doc, 't').setJobStatus('j', 'RUNNING')).rejects.toMatchObject({ name: 'JobStoreError', message: 'job j is DONE; it cannot become RUNNING', context: { jobId: 'j', from: 'DONE', to: 'RUNNING' } });
  });
  it('cancel flags every shard and every batch of the job before the record; workers read their shard (never the hot job record); a forced retry clears the flags', async () => {
    m.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'RUNNING', shards: new Set([1, 2]) } });
    m.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: { ':pk': string } }) => ({ Items: input.ExpressionAttributeValues[':pk'] === 'JOB#j#01' ? [{ batchId: 'b000001', status: 'DONE' }, { batchId: 'b000033', status: 'RUNNING' }] : [] }));
    m.on(UpdateCommand).resolves({});
    const store = new JobStore(doc, 't');
    await store.setJobStatus('j', 'CANCELLED');
    const ups = m.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(ups.slice(0, 2).map((u) => [u.Key, u.UpdateExpression])).toEqual([[{ pk: 'JOB#j#01', sk: 'COUNTS' }, 'SET cancelled = :t'], [{ pk: 'JOB#j#02', sk: 'COUNTS' }, 'SET cancelled = :t']]);
    // every batch, DONE ones included (a duplicate of a DONE batch is refused as cancelled, as the read before it did)
    expect(ups.slice(2, 4).map((u) => [u.Key, u.UpdateExpression])).toEqual([[{ pk: 'JOB#j#01', sk: 'BATCH#b000001' }, 'SET cancelled = :t'], [{ pk: 'JOB#j#01', sk: 'BATCH#b000033' }, 'SET cancelled = :t']]);
    expect(ups[4]?.Key).toEqual({ pk: 'JOB#j', sk: 'JOB' });
    m.reset();
    m.on(GetCommand).resolves({ Item: { cancelled: true } });
    expect(await store.batchCancelled('j', 'b000034')).toBe(true);
    expect(m.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({ Key: { pk: 'JOB#j#02', sk: 'COUNTS' }, ConsistentRead: true });
    m.reset();
    m.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'CANCELLED', shards: new Set([1]) } });
    m.on(QueryCommand).resolves({ Items: [{ batchId: 'b000001', status: 'DONE', cancelled: true }, { batchId: 'b000033', status: 'PENDING' }] });
    m.on(UpdateCommand).resolves({});
    await store.setJobStatus('j', 'RUNNING', {}, true);
    // the flagged batch's flag removed; one never flagged not written
    expect(m.commandCalls(UpdateCommand).map((c): [unknown, unknown] => [(c.args[0].input.Key as { sk?: unknown } | undefined)?.sk, c.args[0].input.UpdateExpression])).toEqual([['JOB', 'SET #s = :s, updatedAt = :now'], ['COUNTS', 'REMOVE cancelled'], ['BATCH#b000001', 'REMOVE cancelled']]);
  });
  it('a cancelled job\'s batch: startBatch does not start it, completeBatch does not complete it, in the conditional write itself (no read of a flag before)', async () => {
    const store = new JobStore(doc, 't');
    expect(store.cancelsInWrites).toBe(true);
    m.on(UpdateCommand).rejects(ccf());
    m.on(GetCommand).resolves({ Item: { jobId: 'j', batchId: 'b000001', status: 'PENDING', attempts: 0, cancelled: true } });
    expect(await store.startBatch('j', 'b000001')).toMatchObject({ done: false, cancelled: true, attempts: 0 });
    const start = m.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(start?.ConditionExpression).toBe('attribute_exists(pk) AND #s <> :done AND attribute_not_exists(cancelled)');
    const result = { featuresDone: 1, featuresFailed: 0, failures: [], parts: ['p'], bytesRead: 1, requests: 1, ms: 1 };
    expect(await store.completeBatch('j', 'b000001', result)).toBe('CANCELLED');
    // a duplicate of a DONE batch of a job not cancelled: false, as before
    m.on(GetCommand).resolves({ Item: { jobId: 'j', batchId: 'b000001', status: 'DONE', attempts: 1 } });
    expect(await store.completeBatch('j', 'b000001', result)).toBe(false);
    expect(await store.startBatch('j', 'b000001')).toMatchObject({ done: true });
  });
  it('resetBatches (zonalflow retry) takes a FAILED batch out of its shard\'s batchesFailed once', async () => {
    m.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'PARTIAL', shards: new Set([1]) } });
    m.on(QueryCommand).resolves({ Items: [{ batchId: 'b000001', status: 'FAILED' }, { batchId: 'b000033', status: 'PENDING' }] });
    m.on(UpdateCommand).callsFake((input: { Key: { sk: string } }) => ({ Attributes: { status: input.Key.sk === 'BATCH#b000001' ? 'FAILED' : 'PENDING' } }));
    expect(await new JobStore(doc, 't').resetBatches('j')).toEqual(['b000001', 'b000033']);
    const counters = m.commandCalls(UpdateCommand).map((c) => c.args[0].input).filter((u) => u.Key?.sk === 'COUNTS');
    expect(counters).toEqual([expect.objectContaining({ Key: { pk: 'JOB#j#01', sk: 'COUNTS' }, UpdateExpression: 'ADD batchesFailed :minusOne' })]);
  });
  it('protected attributes cannot be overwritten through extra', async () => {
    await expect(new JobStore(doc, 't').setJobStatus('j', 'FAILED', { counts: {} })).rejects.toThrow(/cannot overwrite attribute counts of job j/);
    expect(m.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});

describe('reads and errors', () => {
  it('listBatches follows LastEvaluatedKey and filters by status; tally sums the records', async () => {
    // shard 01 pages twice (b1, then b33 and b65), shard 02 holds b2; the other 30 shards are empty
    m.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'RUNNING' } }); // no shard list recorded: every shard is read
    m.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string>; ExclusiveStartKey?: unknown }) => {
      const pk = input.ExpressionAttributeValues[':pk'];
      if (pk === 'JOB#j#01' && !input.ExclusiveStartKey) return { Items: [{ batchId: 'b1', status: 'DONE', featuresDone: 3, featuresFailed: 1, failures: [{ fid: 1, id: 'a', reason: 'r' }], parts: ['p1'], bytesRead: 5, requests: 1, attempts: 1 }], LastEvaluatedKey: { pk: 'JOB#j#01', sk: 'BATCH#b1' } };
      if (pk === 'JOB#j#01') return { Items: [{ batchId: 'b33', status: 'FAILED', error: 'boom', attempts: 3 }, { batchId: 'b65', status: 'PENDING', attempts: 0 }] };
      if (pk === 'JOB#j#02') return { Items: [{ batchId: 'b2', status: 'DONE', featuresDone: 2, featuresFailed: 0, parts: ['p2'], bytesRead: 1, requests: 1, attempts: 1 }] };
      return { Items: [] };
    });
    const store = new JobStore(doc, 't');
    const t = await store.tally('j');
    expect(t).toEqual({ batches: 4, batchesDone: 2, batchesFailed: 1, batchesPending: 1, featuresDone: 5, featuresFailed: 1, failures: [{ fid: 1, id: 'a', reason: 'r' }], batchErrors: [{ batchId: 'b33', error: 'boom' }], parts: ['p1', 'p2'], bytesRead: 6, requests: 2, timings: { workerMs: 0, firstStart: null, lastFinish: null } });
    const calls = m.commandCalls(QueryCommand);
    expect(calls).toHaveLength(33);
    expect(calls.filter((c) => c.args[0].input.ExclusiveStartKey !== undefined).map((c) => c.args[0].input.ExclusiveStartKey)).toEqual([{ pk: 'JOB#j#01', sk: 'BATCH#b1' }]);
    expect(calls.every((c) => c.args[0].input.ConsistentRead === true)).toBe(true);
    expect((await store.listBatches('j', { status: 'DONE' })).map((b) => b.batchId)).toEqual(['b1', 'b2']);
  });
  it('putBatches records the shards its batches use on the job record; listBatches then queries only those', async () => {
    m.on(BatchWriteCommand).resolves({});
    m.on(UpdateCommand).resolves({});
    await new JobStore(doc, 't').putBatches('j', ['b000001', 'b000002', 'b000033'].map((batchId) => ({ batchId, key: `k/${batchId}`, features: 1 })));
    const shards = m.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(shards).toMatchObject({ Key: { pk: 'JOB#j', sk: 'JOB' }, UpdateExpression: 'ADD shards :s' });
    expect([...(shards?.ExpressionAttributeValues?.[':s'] as Set<number>)].sort()).toEqual([1, 2]);
    m.reset();
    m.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'RUNNING', shards: new Set([2, 1]) } });
    m.on(QueryCommand).resolves({ Items: [] });
    await new JobStore(doc, 't').listBatches('j');
    expect(m.commandCalls(QueryCommand).map((c): unknown => c.args[0].input.ExpressionAttributeValues?.[':pk'])).toEqual(['JOB#j#01', 'JOB#j#02']);
  });
  it('SDK failures become JobStoreErrors naming the operation and the table', async () => {
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ProvisionedThroughputExceededException' });
    m.on(GetCommand).rejects(throttled);
    const err = await new JobStore(doc, 'zf-table').getJob('j').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobStoreError);
    expect((err as JobStoreError).code).toBe('JOB_STORE');
    expect((err as JobStoreError).message).toBe('DynamoDB GetItem (job) on table zf-table failed: ProvisionedThroughputExceededException: Rate of requests exceeds the allowed throughput');
    expect((err as JobStoreError).cause).toBe(throttled);
  });
  it('invalid results are refused before any write', async () => {
    await expect(new JobStore(doc, 't').completeBatch('j', 'b1', result({ featuresDone: 1.5 }))).rejects.toThrow(/invalid featuresDone/);
    await expect(new JobStore(doc, 't').createJob({ jobId: 'j', input: { bucket: '', key: 'k' }, outputBucket: 'o', features: 1, batches: 1, planMs: 1, planFailures: [] })).rejects.toThrow(/invalid input bucket/);
    await expect(new JobStore(doc, 't').createJob({ jobId: 'j', input: { bucket: 'b', key: 'k', name: 'n'.repeat(1025) }, outputBucket: 'o', features: 1, batches: 1, planMs: 1, planFailures: [] })).rejects.toThrow(/invalid input name: expected a non-empty string of at most 1024 characters/);
    expect(m.calls()).toHaveLength(0);
  });
});
