/**
 * A synthetic job ready for Collect, seeded against the S3 and DynamoDB stand-ins
 * the way Plan and the Workers leave one: spec.json and manifest.json under the work
 * prefix, one Parquet part per (batch, cursor) written as the Worker writes it
 * (toParquet, frac kept as JSON, the zf_key column), and the job and batch records
 * (each batch started and completed with its parts) in the JobStore. Rows are made
 * per part by a callback, so a bench can seed millions of rows without holding them.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { toParquet } from '../../shared/output/parquet';
import type { IdKind, ResultRow, StatColumn } from '../../shared/output/table';
import type { JobStore } from '../../shared/jobs/store';
import { workKeys } from '../../shared/pipeline/keys';
import { mapLimit } from '../../shared/pipeline/objects';

/** One part of a batch: its first cursor and how to make its rows. */
export interface SeedPart { cursor: number; rows: () => ResultRow[] }

/** A batch: its features and parts (keys listed in the batch record in this order). */
export interface SeedBatch { batchId: string; features: number; parts: SeedPart[] }

/** The job to seed. */
export interface SeedJob {
  s3: S3Client;
  store: JobStore;
  bucket: string;
  workPrefix: string;
  jobId: string;
  spec: unknown;
  columns: StatColumn[];
  batches: SeedBatch[];
  /** Parts written at once (default 4). */
  concurrency?: number;
  /** The id column's kind, as Plan found it (default text). */
  idKind?: IdKind;
}

/** The key of a batch part, as the Worker names it. */
export function partKey(workPrefix: string, jobId: string, batchId: string, cursor: number): string {
  return workKeys(workPrefix, jobId).part(batchId, cursor).replace(/\.json$/, '.parquet');
}

/** Writes a part as the Worker does. */
export async function putPart(s3: S3Client, bucket: string, key: string, columns: readonly StatColumn[], rows: readonly ResultRow[], idKind: IdKind = 'text'): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: toParquet(columns, rows, { keepFrac: true, keyColumn: true, plain: true, idKind }), ContentType: 'application/vnd.apache.parquet' }));
}

/** Seeds the job; returns the part keys written. */
export async function seedCollectJob(job: SeedJob): Promise<string[]> {
  const keys = workKeys(job.workPrefix, job.jobId);
  const features = job.batches.reduce((a, b) => a + b.features, 0);
  await job.s3.send(new PutObjectCommand({ Bucket: job.bucket, Key: keys.spec, Body: JSON.stringify(job.spec) }));
  await job.s3.send(new PutObjectCommand({ Bucket: job.bucket, Key: keys.manifest, Body: JSON.stringify(job.batches.map((b) => ({ jobId: job.jobId, batchId: b.batchId, key: keys.batch(b.batchId), features: b.features }))) }));
  await job.store.createJob({ jobId: job.jobId, input: { bucket: 'seed', key: `${job.jobId}.gpkg` }, outputBucket: job.bucket, features, batches: job.batches.length, planMs: 0, planFailures: [] });
  await job.store.putBatches(job.jobId, job.batches.map((b) => ({ batchId: b.batchId, key: keys.batch(b.batchId), features: b.features })));
  const written: string[] = [];
  await mapLimit(job.batches, job.concurrency ?? 4, async (b) => {
    const parts: string[] = [];
    let done = 0;
    let failed = 0;
    for (const p of b.parts) {
      const rows = p.rows();
      const key = partKey(job.workPrefix, job.jobId, b.batchId, p.cursor);
      await putPart(job.s3, job.bucket, key, job.columns, rows, job.idKind);
      const fids = new Set(rows.map((r) => r.fid));
      const bad = new Set(rows.filter((r) => r.error !== null).map((r) => r.fid));
      done += fids.size - bad.size;
      failed += bad.size;
      parts.push(key);
      written.push(key);
    }
    await job.store.startBatch(job.jobId, b.batchId);
    await job.store.completeBatch(job.jobId, b.batchId, { featuresDone: done, featuresFailed: failed, failures: [], parts, bytesRead: 0, requests: 0, ms: 1 });
  });
  await job.store.setJobStatus(job.jobId, 'RUNNING');
  return written;
}
