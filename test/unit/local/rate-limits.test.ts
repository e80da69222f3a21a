/**
 * The local gates throttle per partition as AWS does: S3 3,500 writes / 5,500 reads a second per
 * prefix, DynamoDB 1,000 write / 3,000 read units a second per partition key (scaled for tests).
 * The same burst of worker PUTs under one prefix is throttled; spread over the shard folders it is not.
 */
import { describe, expect, it } from 'vitest';
import { PartitionRateLimiter } from '../../../shared/local/rate-limits';
import { featuresPartKey, workKeys } from '../../../shared/pipeline/keys';
import { batchId } from '../../../shared/batching/plan';
import { batchKey, counterKey, jobKey } from '../../../shared/jobs/records';

describe('PartitionRateLimiter', () => {
  it('at scale 0.01 a prefix takes 35 PUTs a second (a second\'s burst), then SlowDown; tokens come back with time', () => {
    let t = 0;
    const l = new PartitionRateLimiter(0.01, () => t);
    const put = (key: string): string | null => l.admit({ service: 's3', bucket: 'out', key, method: 'PUT' })?.code ?? null;
    const results = Array.from({ length: 40 }, (_, i) => put(`j/features/p${i}.jsonl`));
    expect(results.filter((r) => r === null)).toHaveLength(35);
    expect(results.slice(35)).toEqual(Array(5).fill('SlowDown'));
    // GETs of the same prefix have their own 55 a second
    expect(l.admit({ service: 's3', bucket: 'out', key: 'j/features/p0.jsonl', method: 'GET' })).toBeNull();
    t = 200; // 0.2 s: 7 tokens back
    expect(Array.from({ length: 8 }, (_, i) => put(`j/features/q${i}.jsonl`)).filter((r) => r === null)).toHaveLength(7);
    expect(l.refused.get('s3 write out/j/features/')).toBe(6);
  });

  it('the workers\' PUTs of 320 batches at once: one prefix (the layout before shard folders) is throttled, the shard folders are not', () => {
    const ids = Array.from({ length: 320 }, (_, i) => batchId(i));
    const unsharded = new PartitionRateLimiter(0.05, () => 0);
    const flat = ids.map((id) => unsharded.admit({ service: 's3', bucket: 'out', key: `_work/j/parts/${id}.000000.parquet`, method: 'PUT' }));
    expect(flat.filter((e) => e !== null).length).toBe(320 - 175);
    const sharded = new PartitionRateLimiter(0.05, () => 0);
    const keys = ids.flatMap((id) => [workKeys('_work/', 'j').part(id, 0).replace(/\.json$/, '.parquet'), featuresPartKey('j', id, 0)]);
    expect(keys.map((key) => sharded.admit({ service: 's3', bucket: 'out', key, method: 'PUT' })).filter((e) => e !== null)).toHaveLength(0);
  });

  it('DynamoDB: 10 writes a second per partition key at scale 0.01; the job\'s counters over 32 shard partitions take 32 times more', () => {
    const ids = Array.from({ length: 64 }, (_, i) => batchId(i));
    const hot = new PartitionRateLimiter(0.01, () => 0);
    const onJob = ids.map(() => hot.admit({ service: 'dynamodb', table: 't', pk: jobKey('j').pk, write: true }));
    expect(onJob.filter((e) => e === null)).toHaveLength(10);
    expect(onJob[10]).toMatchObject({ status: 400, code: 'ProvisionedThroughputExceededException' });
    expect(onJob[10]?.message).toContain('partition key JOB#j');
    const sharded = new PartitionRateLimiter(0.01, () => 0);
    const onShards = ids.flatMap((id) => [batchKey('j', id).pk, counterKey('j', id).pk]).map((pk) => sharded.admit({ service: 'dynamodb', table: 't', pk, write: true }));
    expect(onShards.filter((e) => e !== null)).toHaveLength(0);
    // reads have their own 30 a second
    expect(hot.admit({ service: 'dynamodb', table: 't', pk: jobKey('j').pk, write: false })).toBeNull();
  });

  it('refuses a nonsensical scale', () => {
    expect(() => new PartitionRateLimiter(0)).toThrow(/positive number/);
  });
});
