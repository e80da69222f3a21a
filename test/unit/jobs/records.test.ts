import { describe, expect, it } from 'vitest';
import { JobStatusSchema } from '../../../shared/pipeline/events';
import type { JobStatus } from '../../../shared/pipeline/events';
import { JobStoreError } from '../../../shared/jobs/error';
import { MAX_FAILURES_PER_RECORD, MAX_REASON_CHARS, allowedPredecessors, batchKey, boundFailures, checkBatchId, checkJobId, counterKey, counterKeys, isTerminal, jobKey, sumCounters, uploadKey } from '../../../shared/jobs/records';
import { decodeToken, encodeToken } from '../../../shared/local/s3rver.pagination';

describe('job store layout', () => {
  it('keys follow the documented layout; zero-padded batch ids sort as numbers', () => {
    expect(jobKey('j1')).toEqual({ pk: 'JOB#j1', sk: 'JOB' });
    // batch records and counters in 32 shard partitions (batch number mod 32), never the job record's
    expect(batchKey('j1', 'b000002')).toEqual({ pk: 'JOB#j1#02', sk: 'BATCH#b000002' });
    expect(batchKey('j1', 'b000034')).toEqual({ pk: 'JOB#j1#02', sk: 'BATCH#b000034' });
    expect(batchKey('j1', 'b000031')).toEqual({ pk: 'JOB#j1#1f', sk: 'BATCH#b000031' });
    expect(counterKey('j1', 'b000034')).toEqual({ pk: 'JOB#j1#02', sk: 'COUNTS' });
    expect(new Set(counterKeys('j1').map((k) => k.pk)).size).toBe(32);
    expect(sumCounters([{ batchesDone: 2, featuresDone: 7, bytesRead: 10 }, {}, { batchesFailed: 1, featuresFailed: 3, requests: 4 }])).toEqual({ batchesDone: 2, batchesFailed: 1, featuresDone: 7, featuresFailed: 3, bytesRead: 10, requests: 4 });
    expect(uploadKey('in', 'a/b.gpkg', '"abc"')).toEqual({ pk: 'UPLOAD#in/a/b.gpkg', sk: 'ETAG#abc' });
    expect(uploadKey('in', 'a/b.gpkg', 'abc')).toEqual(uploadKey('in', 'a/b.gpkg', '"abc"'));
    const sks = [10, 2, 100, 1].map((i) => batchKey('j', `b${String(i).padStart(6, '0')}`).sk).sort();
    expect(sks).toEqual(['BATCH#b000001', 'BATCH#b000002', 'BATCH#b000010', 'BATCH#b000100']);
  });

  it('ids are validated with typed errors naming the id', () => {
    expect(() => checkJobId('ok_id-1')).not.toThrow();
    expect(() => checkJobId('bad#id')).toThrow(JobStoreError);
    expect(() => checkJobId('')).toThrow(/invalid job id ""/);
    expect(() => checkJobId('x'.repeat(65))).toThrow(/invalid job id/);
    expect(() => checkBatchId('j', 'b/1')).toThrow(/invalid batch id "b\/1" of job j/);
  });

  it('failures are bounded in count and reason length', () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ fid: i, id: `f${i}`, reason: 'r'.repeat(i === 0 ? 2000 : 5) }));
    const kept = boundFailures(many);
    expect(kept).toHaveLength(MAX_FAILURES_PER_RECORD);
    expect(kept[0]?.reason).toHaveLength(MAX_REASON_CHARS);
    expect(kept[99]).toEqual({ fid: 99, id: 'f99', reason: 'rrrrr' });
  });

  it('statuses only go forward; terminal statuses are final', () => {
    const order: Record<JobStatus, number> = { PLANNING: 0, RUNNING: 1, COLLECTING: 2, DONE: 3, PARTIAL: 3, FAILED: 3, CANCELLED: 3 };
    for (const to of JobStatusSchema.options) {
      const from = allowedPredecessors(to);
      for (const s of JobStatusSchema.options) {
        // written out independently: forward moves, or staying put
        const expected = order[s] < order[to] || s === to;
        expect(from.includes(s), `${s} -> ${to}`).toBe(expected);
      }
    }
    expect(allowedPredecessors('RUNNING')).toEqual(['PLANNING', 'RUNNING']);
    expect(allowedPredecessors('DONE')).toEqual(['PLANNING', 'RUNNING', 'COLLECTING', 'DONE']);
    expect(JobStatusSchema.options.filter(isTerminal)).toEqual(['DONE', 'PARTIAL', 'FAILED', 'CANCELLED']);
  });

  it('s3rver continuation tokens round-trip and are bound to their bucket', () => {
    const t = encodeToken('zf-bucket', 'many/00999 é');
    expect(t.startsWith('zf1.')).toBe(true);
    expect(decodeToken(t, 'zf-bucket')).toBe('many/00999 é');
    expect(decodeToken(t, 'other')).toBeNull();
    expect(decodeToken('1dPwjv2Q3w==', 'zf-bucket')).toBeNull();
  });
});
