/**
 * The job store: one DynamoDB table (pk, sk), layout in README.md. Batch
 * completion is a conditional write (a retried batch never counts twice);
 * the job's counters are bumped afterwards in a separate update (no
 * transactions: the local stand-in has none), so they are a progress hint
 * and `tally()` over the batch records is the truth Collect uses.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ZonalflowError } from '../errors';
import type { JobStatus } from '../pipeline/events';
import type { BatchResult, BatchStart, FeatureFailure, JobTracker, NewBatch, NewJob, Tally } from '../pipeline/tracker';

/** The store failed or was asked for something it does not hold. */
export class JobStoreError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('JOB_STORE', message, options);
  }
}

const TERMINAL: JobStatus[] = ['DONE', 'PARTIAL', 'FAILED', 'CANCELLED'];
/** Failures kept on a batch record (the parts in S3 hold them all). */
export const MAX_FAILURES_PER_RECORD = 100;

/** The job record as stored. */
export interface JobRecord {
  jobId: string;
  status: JobStatus;
  input: { bucket: string; key: string; etag?: string };
  outputBucket: string;
  createdAt: string;
  updatedAt: string;
  counts: { features: number; batches: number; batchesDone: number; batchesFailed: number; featuresDone: number; featuresFailed: number };
  bytesRead: number;
  requests: number;
  timings: { planMs?: number };
  error?: { code: string; message: string };
  executionArn?: string;
  [k: string]: unknown;
}

/** A batch record as stored. */
export interface BatchRecord {
  jobId: string;
  batchId: string;
  status: 'PENDING' | 'RUNNING' | 'DONE' | 'FAILED';
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
}

const jobKey = (jobId: string): { pk: string; sk: string } => ({ pk: `JOB#${jobId}`, sk: 'JOB' });
const batchKey = (jobId: string, batchId: string): { pk: string; sk: string } => ({ pk: `JOB#${jobId}`, sk: `BATCH#${batchId}` });

function isConditional(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === 'ConditionalCheckFailedException';
}

/** The DynamoDB implementation of the pipeline's job tracker (and what the CLI reads). */
export class JobStore implements JobTracker {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly table: string,
    private readonly opts: { batchTtlDays?: number; now?: () => Date; sleep?: (ms: number) => Promise<void> } = {},
  ) {}

  private now(): string {
    return (this.opts.now?.() ?? new Date()).toISOString();
  }

  async claimUpload(bucket: string, key: string, etag: string, jobId: string): Promise<string | null> {
    const k = { pk: `UPLOAD#${bucket}/${key}`, sk: `ETAG#${etag}` };
    try {
      await this.doc.send(new PutCommand({ TableName: this.table, Item: { ...k, jobId, claimedAt: this.now() }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return null;
    } catch (err) {
      if (!isConditional(err)) throw err;
      const got = await this.doc.send(new GetCommand({ TableName: this.table, Key: k, ConsistentRead: true }));
      return String((got.Item as { jobId?: string } | undefined)?.jobId ?? '');
    }
  }

  async createJob(job: NewJob): Promise<void> {
    const now = this.now();
    const item: Record<string, unknown> = {
      ...jobKey(job.jobId),
      gsi1pk: 'JOBS',
      gsi1sk: `${now}#${job.jobId}`,
      jobId: job.jobId,
      status: 'PLANNING',
      input: job.input,
      outputBucket: job.outputBucket,
      createdAt: now,
      updatedAt: now,
      counts: { features: job.features, batches: job.batches, batchesDone: 0, batchesFailed: 0, featuresDone: 0, featuresFailed: 0 },
      bytesRead: 0,
      requests: 0,
      timings: { planMs: job.planMs },
      planFailures: job.planFailures.slice(0, MAX_FAILURES_PER_RECORD),
    };
    await this.doc.send(new PutCommand({ TableName: this.table, Item: item }));
  }

  async putBatches(jobId: string, batches: readonly NewBatch[]): Promise<void> {
    const ttl = Math.floor((this.opts.now?.() ?? new Date()).getTime() / 1000) + (this.opts.batchTtlDays ?? 30) * 86400;
    for (let i = 0; i < batches.length; i += 25) {
      let requests: Record<string, unknown>[] = batches.slice(i, i + 25).map((b) => ({
        PutRequest: { Item: { ...batchKey(jobId, b.batchId), jobId, batchId: b.batchId, key: b.key, features: b.features, status: 'PENDING', attempts: 0, ttl } },
      }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt >= 10) throw new JobStoreError(`could not write ${requests.length} batch records of job ${jobId} after ${attempt} attempts (throttled)`);
        if (attempt > 0) await (this.opts.sleep ?? defaultSleep)(Math.random() * Math.min(5000, 50 * 2 ** attempt));
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
        requests = (out.UnprocessedItems?.[this.table] ?? []);
      }
    }
  }

  async startBatch(jobId: string, batchId: string): Promise<BatchStart> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: batchKey(jobId, batchId),
          UpdateExpression: 'SET #s = :running, startedAt = :now ADD attempts :one',
          ConditionExpression: 'attribute_exists(pk) AND #s <> :done',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':running': 'RUNNING', ':done': 'DONE', ':now': this.now(), ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const b = out.Attributes as BatchRecord;
      return { done: false, attempts: b.attempts, cursor: b.cursor ?? 0, parts: b.parts ?? [], featuresDone: b.featuresDone ?? 0, featuresFailed: b.featuresFailed ?? 0, failures: b.failures ?? [] };
    } catch (err) {
      if (!isConditional(err)) throw err;
      const b = await this.getBatch(jobId, batchId);
      if (!b) throw new JobStoreError(`batch ${batchId} of job ${jobId} does not exist`);
      return { done: true, attempts: b.attempts, cursor: b.cursor ?? 0, parts: b.parts ?? [], featuresDone: b.featuresDone ?? 0, featuresFailed: b.featuresFailed ?? 0, failures: b.failures ?? [] };
    }
  }

  async checkpointBatch(jobId: string, batchId: string, cursor: number, parts: string[], partial: Omit<BatchResult, 'parts'>): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: batchKey(jobId, batchId),
        UpdateExpression: 'SET #s = :pending, #c = :cursor, parts = :parts, featuresDone = :fd, featuresFailed = :ff, failures = :fl, bytesRead = :b, requests = :r',
        ConditionExpression: '#s <> :done',
        ExpressionAttributeNames: { '#s': 'status', '#c': 'cursor' },
        ExpressionAttributeValues: { ':pending': 'PENDING', ':done': 'DONE', ':cursor': cursor, ':parts': parts, ':fd': partial.featuresDone, ':ff': partial.featuresFailed, ':fl': partial.failures.slice(0, MAX_FAILURES_PER_RECORD), ':b': partial.bytesRead, ':r': partial.requests },
      }),
    );
  }

  async completeBatch(jobId: string, batchId: string, r: BatchResult): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: batchKey(jobId, batchId),
          UpdateExpression: 'SET #s = :done, finishedAt = :now, featuresDone = :fd, featuresFailed = :ff, failures = :fl, parts = :parts, bytesRead = :b, requests = :r, ms = :ms REMOVE #e',
          ConditionExpression: 'attribute_exists(pk) AND #s <> :done',
          ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
          ExpressionAttributeValues: { ':done': 'DONE', ':now': this.now(), ':fd': r.featuresDone, ':ff': r.featuresFailed, ':fl': r.failures.slice(0, MAX_FAILURES_PER_RECORD), ':parts': r.parts, ':b': r.bytesRead, ':r': r.requests, ':ms': r.ms },
        }),
      );
    } catch (err) {
      if (isConditional(err)) return false;
      throw err;
    }
    // progress hint on the job (tally() is the truth)
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: jobKey(jobId),
        // ADD works on top-level attributes only: nested counters are SET with arithmetic
        UpdateExpression: 'SET counts.batchesDone = counts.batchesDone + :one, counts.featuresDone = counts.featuresDone + :fd, counts.featuresFailed = counts.featuresFailed + :ff, updatedAt = :now ADD bytesRead :b, requests :r',
        ExpressionAttributeValues: { ':one': 1, ':fd': r.featuresDone, ':ff': r.featuresFailed, ':b': r.bytesRead, ':r': r.requests, ':now': this.now() },
      }),
    );
    return true;
  }

  async failBatch(jobId: string, batchId: string, error: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: batchKey(jobId, batchId),
          UpdateExpression: 'SET #s = :failed, #e = :err, finishedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND #s <> :done',
          ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
          ExpressionAttributeValues: { ':failed': 'FAILED', ':done': 'DONE', ':err': error.slice(0, 2000), ':now': this.now() },
        }),
      );
    } catch (err) {
      if (!isConditional(err)) throw err;
    }
  }

  /** Sets the job's status. Terminal statuses are final unless `force` (an explicit retry). */
  async setJobStatus(jobId: string, status: JobStatus, extra: Record<string, unknown> = {}, force = false): Promise<void> {
    const names: Record<string, string> = { '#s': 'status' };
    const values: Record<string, unknown> = { ':s': status, ':now': this.now() };
    const sets = ['#s = :s', 'updatedAt = :now'];
    Object.entries(extra).forEach(([k, v], i) => {
      names[`#x${i}`] = k;
      values[`:x${i}`] = v;
      sets.push(`#x${i} = :x${i}`);
    });
    let condition = 'attribute_exists(pk)';
    if (!force) {
      TERMINAL.forEach((t, i) => (values[`:t${i}`] = t));
      condition += ` AND NOT (#s IN (${TERMINAL.map((_, i) => `:t${i}`).join(', ')}))`;
    }
    try {
      await this.doc.send(new UpdateCommand({ TableName: this.table, Key: jobKey(jobId), UpdateExpression: `SET ${sets.join(', ')}`, ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values }));
    } catch (err) {
      if (!isConditional(err)) throw err;
      const job = await this.getJob(jobId);
      if (!job) throw new JobStoreError(`job ${jobId} does not exist`);
      if (job.status === status) return; // idempotent
      throw new JobStoreError(`job ${jobId} is ${job.status}; it cannot become ${status}`);
    }
  }

  async getJob(jobId: string): Promise<JobRecord | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: jobKey(jobId), ConsistentRead: true }));
    return (out.Item as JobRecord | undefined) ?? null;
  }

  async getBatch(jobId: string, batchId: string): Promise<BatchRecord | null> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: batchKey(jobId, batchId), ConsistentRead: true }));
    return (out.Item as BatchRecord | undefined) ?? null;
  }

  /** The batches of a job (paginated Query), optionally of one status. */
  async listBatches(jobId: string, status?: BatchRecord['status']): Promise<BatchRecord[]> {
    const out: BatchRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)',
          ExpressionAttributeValues: { ':pk': `JOB#${jobId}`, ':b': 'BATCH#' },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) {
        const b = item as BatchRecord;
        if (!status || b.status === status) out.push(b);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async tally(jobId: string): Promise<Tally> {
    const batches = await this.listBatches(jobId);
    const t: Tally = { batches: batches.length, batchesDone: 0, batchesFailed: 0, batchesPending: 0, featuresDone: 0, featuresFailed: 0, failures: [], batchErrors: [], parts: [], bytesRead: 0, requests: 0 };
    for (const b of batches) {
      if (b.status === 'DONE') {
        t.batchesDone++;
        t.featuresDone += b.featuresDone ?? 0;
        t.featuresFailed += b.featuresFailed ?? 0;
        t.failures.push(...(b.failures ?? []));
      } else if (b.status === 'FAILED') {
        t.batchesFailed++;
        t.batchErrors.push({ batchId: b.batchId, error: b.error ?? 'unknown error' });
      } else t.batchesPending++;
      t.parts.push(...(b.parts ?? []));
      t.bytesRead += b.bytesRead ?? 0;
      t.requests += b.requests ?? 0;
    }
    return t;
  }

  /** Jobs, newest first (a Scan of job records: fine for the CLI's `list`). */
  async listJobs(limit = 50): Promise<JobRecord[]> {
    const jobs: JobRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new ScanCommand({ TableName: this.table, FilterExpression: 'sk = :job', ExpressionAttributeValues: { ':job': 'JOB' }, ExclusiveStartKey: start }));
      jobs.push(...((page.Items ?? []) as JobRecord[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return jobs.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)).slice(0, limit);
  }

  /** Resets failed (and pending) batches for `zonalflow retry`: they run again, DONE ones are skipped. */
  async resetBatches(jobId: string): Promise<string[]> {
    const again = (await this.listBatches(jobId)).filter((b) => b.status !== 'DONE');
    for (const b of again) {
      await this.doc.send(new UpdateCommand({ TableName: this.table, Key: batchKey(jobId, b.batchId), UpdateExpression: 'SET #s = :p REMOVE #e', ExpressionAttributeNames: { '#s': 'status', '#e': 'error' }, ExpressionAttributeValues: { ':p': 'PENDING' } }));
    }
    return again.map((b) => b.batchId);
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
