/**
 * The DynamoDB layout of the job store (README.md has the table): keys,
 * record shapes, input validation and the job status transitions. No I/O.
 */
import type { BatchStatus, JobStatus } from '../pipeline/events';
import type { FeatureFailure } from '../pipeline/tracker';
import { JobStoreError } from './error';
import { KEY_SHARDS, keyShard } from '../pipeline/keys';

/** Failures kept on a batch record (the worker writes all of them to S3). */
export const MAX_FAILURES_PER_RECORD = 100;
/** Longest failure reason kept on a record (characters). */
export const MAX_REASON_CHARS = 500;
/** Longest error message kept on a record (characters). */
export const MAX_ERROR_CHARS = 2000;
/** Default lifetime of batch records, in days (DynamoDB TTL on `ttl`). */
export const DEFAULT_BATCH_TTL_DAYS = 30;
/** Partition key value of every job record in the optional `byCreated` index. */
export const JOBS_INDEX_PK = 'JOBS';
/** Name of the optional GSI for newest-first job listing (partition `gsi1pk`, sort `gsi1sk`). */
export const JOBS_INDEX_NAME = 'byCreated';

/** Job counters (a progress hint: `tally` over the batch records is exact). */
export interface JobCounts { features: number; batches: number; batchesDone: number; batchesFailed: number; featuresDone: number; featuresFailed: number }

/** The job record as stored (pk `JOB#<jobId>`, sk `JOB`). */
export interface JobRecord {
  jobId: string;
  status: JobStatus;
  /** The object the job reads; `name`: the input as the user named it (pipeline/input-name.ts), absent on records made before it was kept (then: the key). */
  input: { bucket: string; key: string; etag?: string; name?: string };
  outputBucket: string;
  createdAt: string;
  updatedAt: string;
  counts: JobCounts;
  bytesRead: number;
  requests: number;
  timings: { planMs?: number; [stage: string]: number | undefined };
  planFailures?: FeatureFailure[];
  error?: { code: string; message: string };
  /** Set with FAILED by MarkFailed until the job's summary.json is written (a MarkFailed cut short writes it on its retry). */
  summaryPending?: boolean;
  executionArn?: string;
  [k: string]: unknown;
}

/** A batch record as stored (pk `JOB#<jobId>#<ss>`, `<ss>` its shard: {@link batchKey}; sk `BATCH#<batchId>`). */
export interface BatchRecord {
  jobId: string;
  batchId: string;
  status: BatchStatus;
  key: string;
  features: number;
  attempts: number;
  cursor?: number;
  parts?: string[];
  featuresDone?: number;
  featuresFailed?: number;
  failures?: FeatureFailure[];
  error?: string;
  bytesRead?: number;
  requests?: number;
  startedAt?: string;
  finishedAt?: string;
  ms?: number;
  ttl: number;
}

/** The upload dedupe record (pk `UPLOAD#<bucket>/<key>`, sk `ETAG#<etag>`); `inputName` as Plan read it. */
export interface UploadRecord { jobId: string; claimedAt: string; owner?: string; inputName?: string }

/** A primary key. */
export interface ItemKey { pk: string; sk: string }

/** Key of a job record. */
export function jobKey(jobId: string): ItemKey {
  return { pk: `JOB#${jobId}`, sk: 'JOB' };
}

/**
 * Write sharding (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-sharding.html):
 * a partition takes at most 1,000 WCU/s (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/burst-adaptive-capacity.html),
 * and at 1,000 concurrent workers a job's batches start and complete ~2,400 times a second
 * (`npm run bench -- scale-model`). A job's batch records and its counters are therefore spread over
 * {@link KEY_SHARDS} partition keys `JOB#<jobId>#<ss>`, `<ss>` the batch's shard (pipeline/keys.ts
 * `keyShard`, the same as its S3 shard folder: consecutive batches go round-robin). The job record
 * itself takes no per-batch write.
 */
export function shardPk(jobId: string, shard: number): string {
  return `JOB#${jobId}#${shard.toString(16).padStart(2, '0')}`;
}

/** The partition keys of a job's shards (batch records and counters). */
export function shardPks(jobId: string): string[] {
  return Array.from({ length: KEY_SHARDS }, (_, i) => shardPk(jobId, i));
}

/** Key of a batch record: in its shard's partition. */
export function batchKey(jobId: string, batchId: string): ItemKey {
  return { pk: shardPk(jobId, keyShard(batchId)), sk: `BATCH#${batchId}` };
}

/** Sort key of a shard's counter item. */
export const COUNTER_SK = 'COUNTS';

/** Key of the counter item of the shard of `batchId` (the counts of that shard's batches). */
export function counterKey(jobId: string, batchId: string): ItemKey {
  return { pk: shardPk(jobId, keyShard(batchId)), sk: COUNTER_SK };
}

/** The keys of every counter item of a job. */
export function counterKeys(jobId: string): ItemKey[] {
  return shardPks(jobId).map((pk) => ({ pk, sk: COUNTER_SK }));
}

/** A shard's counter item as stored (attributes absent until first added). */
export interface CounterRecord { batchesDone?: number; batchesFailed?: number; featuresDone?: number; featuresFailed?: number; bytesRead?: number; requests?: number }

/** The counters of a job: the sum over its shards' counter items. */
export function sumCounters(items: readonly CounterRecord[]): Required<CounterRecord> {
  const t = { batchesDone: 0, batchesFailed: 0, featuresDone: 0, featuresFailed: 0, bytesRead: 0, requests: 0 };
  for (const c of items) {
    t.batchesDone += Number(c.batchesDone ?? 0);
    t.batchesFailed += Number(c.batchesFailed ?? 0);
    t.featuresDone += Number(c.featuresDone ?? 0);
    t.featuresFailed += Number(c.featuresFailed ?? 0);
    t.bytesRead += Number(c.bytesRead ?? 0);
    t.requests += Number(c.requests ?? 0);
  }
  return t;
}

/** Key of an upload dedupe record (the ETag without its quotes). */
export function uploadKey(bucket: string, key: string, etag: string): ItemKey {
  return { pk: `UPLOAD#${bucket}/${key}`, sk: `ETAG#${normalizeEtag(etag)}` };
}

/** An ETag without the surrounding quotes S3 puts on it (`"abc"` and `abc` are the same upload). */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Throws unless `jobId` is 1-64 characters of [A-Za-z0-9_-] (as PlanInputSchema). */
export function checkJobId(jobId: string): void {
  if (typeof jobId !== 'string' || !ID.test(jobId)) throw new JobStoreError(`invalid job id ${JSON.stringify(jobId)}: expected 1-64 characters of A-Z a-z 0-9 _ -`, { context: { jobId } });
}

/** Throws unless `batchId` is 1-64 characters of [A-Za-z0-9_-]. */
export function checkBatchId(jobId: string, batchId: string): void {
  checkJobId(jobId);
  if (typeof batchId !== 'string' || !ID.test(batchId)) throw new JobStoreError(`invalid batch id ${JSON.stringify(batchId)} of job ${jobId}: expected 1-64 characters of A-Z a-z 0-9 _ -`, { context: { jobId, batchId } });
}

/** Throws unless `value` is a non-empty string of at most `max` characters. */
export function checkText(what: string, value: unknown, max: number): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw new JobStoreError(`invalid ${what}: expected a non-empty string of at most ${max} characters, got ${JSON.stringify(value)?.slice(0, 80)}`, { context: { what } });
}

/** Throws unless `value` is a non-negative safe integer. */
export function checkCount(what: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new JobStoreError(`invalid ${what}: expected a non-negative integer, got ${String(value)}`, { context: { what } });
}

/** Throws unless `value` is a finite non-negative number. */
export function checkAmount(what: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new JobStoreError(`invalid ${what}: expected a finite non-negative number, got ${String(value)}`, { context: { what } });
}

/** Failures as kept on a record: at most MAX_FAILURES_PER_RECORD, reasons cut to MAX_REASON_CHARS. */
export function boundFailures(failures: readonly FeatureFailure[]): FeatureFailure[] {
  return failures.slice(0, MAX_FAILURES_PER_RECORD).map((f) => ({ fid: f.fid, id: String(f.id), reason: String(f.reason).slice(0, MAX_REASON_CHARS) }));
}

/** Statuses a job never leaves, except through an explicit retry. */
export const TERMINAL_STATUSES: readonly JobStatus[] = ['DONE', 'PARTIAL', 'FAILED', 'CANCELLED'];

const RANK: Record<JobStatus, number> = { PLANNING: 0, RUNNING: 1, COLLECTING: 2, DONE: 3, PARTIAL: 3, FAILED: 3, CANCELLED: 3 };

/** True when `status` is final (DONE, PARTIAL, FAILED, CANCELLED). */
export function isTerminal(status: JobStatus): boolean {
  return RANK[status] === 3;
}

/**
 * The statuses a job may be in to move to `to`: every earlier stage
 * (PLANNING < RUNNING < COLLECTING < terminal), and `to` itself (idempotent
 * retries of a stage). Nothing goes back, and nothing leaves a terminal
 * status (except `retryJob`).
 */
export function allowedPredecessors(to: JobStatus): JobStatus[] {
  const all = Object.keys(RANK) as JobStatus[];
  return all.filter((s) => RANK[s] < RANK[to] || s === to);
}
