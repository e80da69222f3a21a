/**
 * The job store: one DynamoDB table (pk, sk), layout in README.md. Batch
 * completion is a conditional write (a retried batch never counts twice);
 * the counters of the batch's shard are bumped afterwards in a separate
 * update (no transactions: the local stand-in has none), so they are a
 * progress hint and `tally()` over the batch records is the truth Collect
 * uses. A job's batch records and counters live in KEY_SHARDS partitions
 * (records.ts `batchKey`, `counterKey`): no partition takes more than a
 * shard's share of the workers' writes, and the job record none of them.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchStatus, JobStatus } from '../pipeline/events';
import type { BatchResult, BatchStart, JobTracker, NewBatch, NewJob, Tally, UploadClaim } from '../pipeline/tracker';
import { MAX_INPUT_NAME_CHARS } from '../pipeline/input-name';
import { JobStoreError } from './error';
import { KEY_SHARDS, keyShard } from '../pipeline/keys';
import {
  DEFAULT_BATCH_TTL_DAYS,
  JOBS_INDEX_PK,
  MAX_ERROR_CHARS,
  allowedPredecessors,
  batchKey,
  boundFailures,
  checkAmount,
  checkBatchId,
  checkCount,
  checkJobId,
  checkText,
  COUNTER_SK,
  counterKey,
  counterKeys,
  jobKey,
  normalizeEtag,
  shardPk,
  shardPks,
  sumCounters,
  uploadKey,
} from './records';
import type { BatchRecord, CounterRecord, ItemKey, JobRecord } from './records';

export { JobStoreError } from './error';
export { MAX_FAILURES_PER_RECORD } from './records';
export type { BatchRecord, JobCounts, JobRecord } from './records';

/** Options of a JobStore. */
export interface JobStoreOptions {
  /** Lifetime of batch records (DynamoDB TTL), days; default 30. */
  batchTtlDays?: number;
  /** Clock (tests). */
  now?: () => Date;
  /** Sleep used between retries of unprocessed batch writes (tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Rounds of BatchWriteItem per chunk of 25 before giving up; default 10. */
  maxBatchWriteAttempts?: number;
  /** Name of the GSI (`gsi1pk`, `gsi1sk`) to list jobs newest first; without it `listJobs` scans. */
  jobsIndex?: string;
}

/** Options of `listJobs`. */
export interface ListJobsOptions { limit?: number; status?: JobStatus }

/** Attributes `setJobStatus` never overwrites through `extra`. */
const PROTECTED = new Set(['pk', 'sk', 'jobId', 'status', 'createdAt', 'updatedAt', 'gsi1pk', 'gsi1sk', 'counts', 'input', 'shards']);

function isConditional(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The DynamoDB implementation of the pipeline's job tracker (and what the CLI reads). */
export class JobStore implements JobTracker {
  /** startBatch and completeBatch refuse a cancelled job's batch in their own conditional writes (the flag is on every batch record). */
  readonly cancelsInWrites = true;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly table: string,
    private readonly opts: JobStoreOptions = {},
  ) {
    checkText('table name', table, 255);
    if (opts.batchTtlDays !== undefined) checkAmount('batchTtlDays', opts.batchTtlDays);
  }

  private clock(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private now(): string {
    return this.clock().toISOString();
  }

  /** Runs one SDK call; conditional-check failures pass through (callers decide), anything else becomes a JobStoreError naming the operation. */
  private async call<T>(what: string, context: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (isConditional(err) || err instanceof JobStoreError) throw err;
      const e = err as { name?: string; message?: string } | null;
      throw new JobStoreError(`DynamoDB ${what} on table ${this.table} failed: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`, { cause: err, context: { table: this.table, ...context } });
    }
  }

  /**
   * Claims an upload (object + ETag) for a job: null when the claim is new,
   * else the job that claimed it first (which may be `jobId` itself when job
   * ids are derived from the upload: the caller tells a re-delivery from a
   * retried Plan, e.g. by the job record's status).
   */
  async claimUpload(bucket: string, key: string, etag: string, jobId: string, owner?: string, inputName?: string): Promise<string | null> {
    checkText('bucket', bucket, 255);
    checkText('object key', key, 1024);
    checkText('ETag', etag, 256);
    checkJobId(jobId);
    if (inputName !== undefined) checkText('input name', inputName, MAX_INPUT_NAME_CHARS);
    const k = uploadKey(bucket, key, etag);
    const ctx = { bucket, key, etag, jobId };
    try {
      // the input's name rides on the claim: the Fail handler records it when Plan failed before the job record
      await this.call('PutItem (claim upload)', ctx, () =>
        this.doc.send(new PutCommand({ TableName: this.table, Item: { ...k, jobId, claimedAt: this.now(), ...(owner === undefined ? {} : { owner }), ...(inputName === undefined ? {} : { inputName }) }, ConditionExpression: 'attribute_not_exists(pk)' })),
      );
      return null;
    } catch (err) {
      if (!isConditional(err)) throw err;
    }
    const got = await this.call('GetItem (upload claim)', ctx, () => this.doc.send(new GetCommand({ TableName: this.table, Key: k, ConsistentRead: true })));
    const claimedBy = (got.Item as { jobId?: unknown } | undefined)?.jobId;
    if (typeof claimedBy !== 'string') throw new JobStoreError(`upload s3://${bucket}/${key} (ETag ${normalizeEtag(etag)}) is claimed but its record has no job id`, { context: ctx });
    return claimedBy;
  }

  /** The job (and the input's name) the execution `owner` claimed for an upload of this object and ETag, whatever its spec (claims are `ETAG#<etag>#<spec digest>`), or null. */
  async uploadJobOf(bucket: string, key: string, etag: string, owner: string): Promise<UploadClaim | null> {
    const k = uploadKey(bucket, key, etag);
    let start: Record<string, unknown> | undefined;
    do {
      const from = start;
      const page = await this.call('Query (upload claims)', { bucket, key, etag }, () =>
        this.doc.send(new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)', ExpressionAttributeValues: { ':pk': k.pk, ':e': `${k.sk}#` }, ExclusiveStartKey: from, ConsistentRead: true })),
      );
      for (const item of page.Items ?? []) {
        const c = item as { jobId?: unknown; owner?: unknown; inputName?: unknown };
        if (c.owner === owner && typeof c.jobId === 'string') return { jobId: c.jobId, ...(typeof c.inputName === 'string' ? { inputName: c.inputName } : {}) };
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return null;
  }

  /** The execution that holds an upload's claim (null: no claim, or claimed without an owner). */
  async uploadClaimOwner(bucket: string, key: string, etag: string): Promise<string | null> {
    const got = await this.call('GetItem (upload claim)', { bucket, key, etag }, () => this.doc.send(new GetCommand({ TableName: this.table, Key: uploadKey(bucket, key, etag), ConsistentRead: true })));
    const owner = (got.Item as { owner?: unknown } | undefined)?.owner;
    return typeof owner === 'string' ? owner : null;
  }

  /** Creates the job record in PLANNING (a retried Plan may re-create one still PLANNING; any other existing record is left as it is: JobStoreError). */
  async createJob(job: NewJob): Promise<void> {
    checkJobId(job.jobId);
    checkText('input bucket', job.input.bucket, 255);
    checkText('input key', job.input.key, 1024);
    if (job.input.etag !== undefined) checkText('input ETag', job.input.etag, 256);
    if (job.input.name !== undefined) checkText('input name', job.input.name, MAX_INPUT_NAME_CHARS);
    checkText('output bucket', job.outputBucket, 255);
    checkCount('feature count', job.features);
    checkCount('batch count', job.batches);
    checkAmount('planMs', job.planMs);
    const now = this.now();
    const input: JobRecord['input'] = { bucket: job.input.bucket, key: job.input.key, ...(job.input.etag === undefined ? {} : { etag: normalizeEtag(job.input.etag) }), ...(job.input.name === undefined ? {} : { name: job.input.name }) };
    const item: JobRecord & { pk: string; sk: string; gsi1pk: string; gsi1sk: string } = {
      ...jobKey(job.jobId),
      gsi1pk: JOBS_INDEX_PK,
      gsi1sk: `${now}#${job.jobId}`,
      jobId: job.jobId,
      status: 'PLANNING',
      input,
      outputBucket: job.outputBucket,
      createdAt: now,
      updatedAt: now,
      counts: { features: job.features, batches: job.batches, batchesDone: 0, batchesFailed: 0, featuresDone: 0, featuresFailed: 0 },
      bytesRead: 0,
      requests: 0,
      timings: { planMs: job.planMs },
      planFailures: boundFailures(job.planFailures),
    };
    try {
      // a retried Plan may re-create a record still PLANNING; a job past planning (or finished) is never overwritten
      await this.call('PutItem (job)', { jobId: job.jobId }, () =>
        this.doc.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk) OR #s = :planning', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':planning': 'PLANNING' } })),
      );
    } catch (err) {
      if (!isConditional(err)) throw err;
      const existing = await this.getJobRecord(job.jobId);
      throw new JobStoreError(`job ${job.jobId} already exists and is ${existing?.status ?? 'unknown'}; its record is not re-created`, { cause: err, context: { jobId: job.jobId, status: existing?.status } });
    }
  }

  /** Registers the batches of a job as PENDING: BatchWriteItem by 25, unprocessed items retried with backoff and jitter. */
  async putBatches(jobId: string, batches: readonly NewBatch[]): Promise<void> {
    checkJobId(jobId);
    const seen = new Set<string>();
    for (const b of batches) {
      checkBatchId(jobId, b.batchId);
      checkText(`key of batch ${b.batchId}`, b.key, 1024);
      checkCount(`feature count of batch ${b.batchId}`, b.features);
      // BatchWriteItem rejects a chunk with two puts of one key
      if (seen.has(b.batchId)) throw new JobStoreError(`batch ${b.batchId} of job ${jobId} is listed twice`, { context: { jobId, batchId: b.batchId } });
      seen.add(b.batchId);
    }
    // the shards these batches use, on the job record: the tally queries those partitions only (a job of 3
    // batches reads 3, not KEY_SHARDS); a job without the list (or without a record) is read in every shard
    if (batches.length > 0) {
      const used = new Set(batches.map((b) => keyShard(b.batchId)));
      await this.call('UpdateItem (job shards)', { jobId }, () =>
        this.doc.send(new UpdateCommand({ TableName: this.table, Key: jobKey(jobId), UpdateExpression: 'ADD shards :s', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':s': used } })),
      ).catch((err: unknown) => {
        if (!isConditional(err)) throw err;
      });
    }
    const ttl = Math.floor(this.clock().getTime() / 1000) + Math.round((this.opts.batchTtlDays ?? DEFAULT_BATCH_TTL_DAYS) * 86400);
    const maxAttempts = this.opts.maxBatchWriteAttempts ?? 10;
    const sleep = this.opts.sleep ?? defaultSleep;
    for (let i = 0; i < batches.length; i += 25) {
      let requests: Record<string, unknown>[] = batches.slice(i, i + 25).map((b) => {
        const item: BatchRecord & { pk: string; sk: string } = { ...batchKey(jobId, b.batchId), jobId, batchId: b.batchId, key: b.key, features: b.features, status: 'PENDING', attempts: 0, ttl };
        return { PutRequest: { Item: item } };
      });
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt >= maxAttempts) {
          throw new JobStoreError(`could not write ${requests.length} batch records of job ${jobId} after ${attempt} BatchWriteItem attempts (unprocessed: throttled)`, { context: { jobId, unprocessed: requests.length } });
        }
        // full jitter: 0 .. min(5 s, 50 ms * 2^attempt)
        if (attempt > 0) await sleep(Math.random() * Math.min(5000, 50 * 2 ** attempt));
        const chunk = requests;
        const out = await this.call('BatchWriteItem (batches)', { jobId }, () => this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: chunk } })));
        requests = out.UnprocessedItems?.[this.table] ?? [];
      }
    }
  }

  /**
   * Marks a batch RUNNING and counts the attempt; `done: true` (nothing
   * changed) when it is already DONE. A batch that checkpointed returns where to resume.
   */
  async startBatch(jobId: string, batchId: string): Promise<BatchStart> {
    checkBatchId(jobId, batchId);
    try {
      const out = await this.call('UpdateItem (start batch)', { jobId, batchId }, () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: batchKey(jobId, batchId),
            UpdateExpression: 'SET #s = :running, startedAt = :now ADD attempts :one',
            // a cancelled job's batch (setJobStatus flags every batch) is not started: the cancellation read folded into this write
            ConditionExpression: 'attribute_exists(pk) AND #s <> :done AND attribute_not_exists(cancelled)',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':running': 'RUNNING', ':done': 'DONE', ':now': this.now(), ':one': 1 },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return toStart(out.Attributes as BatchRecord, false);
    } catch (err) {
      if (!isConditional(err)) throw err;
    }
    const b = await this.getBatch(jobId, batchId);
    if (!b) throw new JobStoreError(`batch ${batchId} of job ${jobId} does not exist`, { context: { jobId, batchId } });
    if (isCancelled(b)) return { ...toStart(b, false), cancelled: true };
    return toStart(b, true);
  }

  /** Saves the progress of a batch that stops early (Lambda deadline): status back to PENDING, the next attempt resumes at `cursor`. */
  async checkpointBatch(jobId: string, batchId: string, cursor: number, parts: string[], partial: Omit<BatchResult, 'parts'>): Promise<void> {
    checkBatchId(jobId, batchId);
    checkCount('cursor', cursor);
    checkResult(partial);
    try {
      await this.call('UpdateItem (checkpoint batch)', { jobId, batchId }, () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: batchKey(jobId, batchId),
            UpdateExpression: 'SET #s = :pending, #c = :cursor, parts = :parts, featuresDone = :fd, featuresFailed = :ff, failures = :fl, bytesRead = :b, requests = :r',
            ConditionExpression: 'attribute_exists(pk) AND #s <> :done',
            ExpressionAttributeNames: { '#s': 'status', '#c': 'cursor' },
            ExpressionAttributeValues: { ':pending': 'PENDING', ':done': 'DONE', ':cursor': cursor, ':parts': [...parts], ':fd': partial.featuresDone, ':ff': partial.featuresFailed, ':fl': boundFailures(partial.failures), ':b': partial.bytesRead, ':r': partial.requests },
          }),
        ),
      );
    } catch (err) {
      if (!isConditional(err)) throw err;
      // already DONE (a concurrent attempt finished it): nothing to save
    }
  }

  /**
   * Completes a batch once: a conditional UpdateItem (`status <> DONE`);
   * false when it was already DONE (a retried batch never counts twice). Only
   * when it succeeded, the job's counters are bumped in a second update.
   */
  async completeBatch(jobId: string, batchId: string, r: BatchResult): Promise<boolean | 'CANCELLED'> {
    checkBatchId(jobId, batchId);
    checkResult(r);
    let before: BatchRecord | undefined;
    try {
      const out = await this.call('UpdateItem (complete batch)', { jobId, batchId }, () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: batchKey(jobId, batchId),
            UpdateExpression: 'SET #s = :done, finishedAt = :now, featuresDone = :fd, featuresFailed = :ff, failures = :fl, parts = :parts, bytesRead = :b, requests = :r, ms = :ms REMOVE #e',
            // a batch of a job cancelled while it ran is not completed (the cancellation read folded into this write)
            ConditionExpression: 'attribute_exists(pk) AND #s <> :done AND attribute_not_exists(cancelled)',
            ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
            ExpressionAttributeValues: { ':done': 'DONE', ':now': this.now(), ':fd': r.featuresDone, ':ff': r.featuresFailed, ':fl': boundFailures(r.failures), ':parts': [...r.parts], ':b': r.bytesRead, ':r': r.requests, ':ms': r.ms },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      before = out.Attributes as BatchRecord | undefined;
    } catch (err) {
      if (!isConditional(err)) throw err;
      // already DONE (a duplicate), or cancelled: one read tells which (a rare path)
      const b = await this.getBatch(jobId, batchId);
      return b !== null && isCancelled(b) ? 'CANCELLED' : false;
    }
    // Progress hint (tally() is the truth), on the counter item of the batch's shard (a small item: 1 WCU),
    // never on the job record: ADD creates the item and its attributes at the first batch.
    const wasFailed = before?.status === 'FAILED';
    await this.call('UpdateItem (shard counters)', { jobId, batchId }, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: counterKey(jobId, batchId),
          UpdateExpression: 'ADD batchesDone :one, featuresDone :fd, featuresFailed :ff, bytesRead :b, requests :r' + (wasFailed ? ', batchesFailed :minusOne' : ''),
          ExpressionAttributeValues: { ':one': 1, ':fd': r.featuresDone, ':ff': r.featuresFailed, ':b': r.bytesRead, ':r': r.requests, ...(wasFailed ? { ':minusOne': -1 } : {}) },
        }),
      ),
    );
    return true;
  }

  /** Marks a batch FAILED with its error (never a DONE one); false when it was already DONE. */
  async failBatch(jobId: string, batchId: string, error: string): Promise<void> {
    await this.failBatchOnce(jobId, batchId, error);
  }

  /** As failBatch, telling whether the batch was marked (false: it was already DONE). */
  async failBatchOnce(jobId: string, batchId: string, error: string): Promise<boolean> {
    checkBatchId(jobId, batchId);
    const message = String(error).slice(0, MAX_ERROR_CHARS) || 'unknown error';
    let before: BatchRecord | undefined;
    try {
      const out = await this.call('UpdateItem (fail batch)', { jobId, batchId }, () =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: batchKey(jobId, batchId),
            UpdateExpression: 'SET #s = :failed, #e = :err, finishedAt = :now',
            ConditionExpression: 'attribute_exists(pk) AND #s <> :done',
            ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
            ExpressionAttributeValues: { ':failed': 'FAILED', ':done': 'DONE', ':err': message, ':now': this.now() },
            ReturnValues: 'ALL_OLD',
          }),
        ),
      );
      before = out.Attributes as BatchRecord | undefined;
    } catch (err) {
      if (isConditional(err)) return false;
      throw err;
    }
    if (before?.status !== 'FAILED') {
      await this.call('UpdateItem (shard counters)', { jobId, batchId }, () =>
        this.doc.send(new UpdateCommand({ TableName: this.table, Key: counterKey(jobId, batchId), UpdateExpression: 'ADD batchesFailed :one', ExpressionAttributeValues: { ':one': 1 } })),
      );
    }
    return true;
  }

  /**
   * Sets the job's status (and top-level `extra` attributes). Statuses only go
   * forward (PLANNING < RUNNING < COLLECTING < DONE/PARTIAL/FAILED/CANCELLED);
   * setting the current status again is allowed (a retried stage). Terminal
   * statuses are final unless `force` (an explicit retry: use `retryJob`).
   */
  async setJobStatus(jobId: string, status: JobStatus, extra: Record<string, unknown> = {}, force = false): Promise<void> {
    checkJobId(jobId);
    if (!allowedPredecessors(status).length) throw new JobStoreError(`unknown job status ${String(status)}`, { context: { jobId } });
    const names: Record<string, string> = { '#s': 'status' };
    const values: Record<string, unknown> = { ':s': status, ':now': this.now() };
    const sets = ['#s = :s', 'updatedAt = :now'];
    Object.entries(extra).forEach(([k, v], i) => {
      if (PROTECTED.has(k)) throw new JobStoreError(`setJobStatus cannot overwrite attribute ${k} of job ${jobId}`, { context: { jobId, attribute: k } });
      if (v === undefined) return;
      names[`#x${i}`] = k;
      values[`:x${i}`] = v;
      sets.push(`#x${i} = :x${i}`);
    });
    // the workers check cancellation on their shard's counter item, not on this (hot) record: flag the shards first
    if (status === 'CANCELLED') await this.markShardsCancelled(jobId, true);
    let condition = 'attribute_exists(pk)';
    if (!force) {
      const from = allowedPredecessors(status);
      from.forEach((s, i) => (values[`:p${i}`] = s));
      condition += ` AND #s IN (${from.map((_, i) => `:p${i}`).join(', ')})`;
    }
    try {
      await this.call('UpdateItem (job status)', { jobId, status }, () =>
        this.doc.send(new UpdateCommand({ TableName: this.table, Key: jobKey(jobId), UpdateExpression: `SET ${sets.join(', ')}`, ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values })),
      );
    } catch (err) {
      if (!isConditional(err)) throw err;
      const job = await this.getJobRecord(jobId);
      if (!job) throw new JobStoreError(`job ${jobId} does not exist`, { context: { jobId } });
      throw new JobStoreError(`job ${jobId} is ${job.status}; it cannot become ${status}`, { context: { jobId, from: job.status, to: status } });
    }
    // an explicit retry (forced out of CANCELLED) lets the batches run again
    if (force && status !== 'CANCELLED') await this.markShardsCancelled(jobId, false);
  }

  /**
   * Sets (or removes) `cancelled` on the counter item of each of the job's shards: what
   * {@link batchCancelled} reads. At 1,000 workers two status reads a batch on the job record
   * would be ~4,800 reads/s of one item (over a partition's 3,000 RCU/s); each shard takes 1/32.
   */
  private async markShardsCancelled(jobId: string, cancelled: boolean): Promise<void> {
    const keys = (await this.jobShardPks(jobId)).map((pk) => ({ pk, sk: COUNTER_SK }));
    await Promise.all(
      keys.map((Key) =>
        this.call('UpdateItem (shard cancelled)', { jobId }, () =>
          this.doc.send(new UpdateCommand({ TableName: this.table, Key, ...(cancelled ? { UpdateExpression: 'SET cancelled = :t', ExpressionAttributeValues: { ':t': true } } : { UpdateExpression: 'REMOVE cancelled' }) })),
        ),
      ),
    );
    await this.markBatchesCancelled(jobId, cancelled);
  }

  /**
   * Sets (or removes) `cancelled` on every batch record of the job: the Worker's start and completion writes are
   * conditional on its absence (startBatch, completeBatch), so a cancelled job's batches neither start nor complete
   * without a read of the flag a batch (two GetItems a batch before). One write a batch at a cancel or a forced retry
   * (rare), 16 at once; a batch removed meanwhile is skipped.
   */
  private async markBatchesCancelled(jobId: string, cancelled: boolean): Promise<void> {
    const batches = (await this.listBatches(jobId)).filter((b) => cancelled || isCancelled(b));
    for (let i = 0; i < batches.length; i += 16) {
      await Promise.all(
        batches.slice(i, i + 16).map((b) =>
          this.call('UpdateItem (batch cancelled)', { jobId, batchId: b.batchId }, () =>
            this.doc.send(new UpdateCommand({ TableName: this.table, Key: batchKey(jobId, b.batchId), ConditionExpression: 'attribute_exists(pk)', ...(cancelled ? { UpdateExpression: 'SET cancelled = :t', ExpressionAttributeValues: { ':t': true } } : { UpdateExpression: 'REMOVE cancelled' }) })),
          ).catch((err: unknown) => {
            if (!isConditional(err)) throw err;
          }),
        ),
      );
    }
  }

  /** True when the job of `batchId` is cancelled: one consistent read of the batch's shard counter item (not the job record). */
  async batchCancelled(jobId: string, batchId: string): Promise<boolean> {
    checkBatchId(jobId, batchId);
    const out = await this.call('GetItem (shard cancelled)', { jobId, batchId }, () =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: counterKey(jobId, batchId), ConsistentRead: true, ProjectionExpression: 'cancelled' })),
    );
    return (out.Item as { cancelled?: unknown } | undefined)?.cancelled === true;
  }

  /**
   * An explicit retry (`zonalflow retry`): every batch that is not DONE goes
   * back to PENDING, the job to RUNNING whatever its status. Returns the
   * batches that will run again (DONE ones are skipped by startBatch).
   */
  async retryJob(jobId: string): Promise<string[]> {
    checkJobId(jobId);
    const job = await this.getJobRecord(jobId);
    if (!job) throw new JobStoreError(`job ${jobId} does not exist`, { context: { jobId } });
    const again = await this.resetBatches(jobId);
    await this.call('UpdateItem (retry job)', { jobId }, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: jobKey(jobId),
          UpdateExpression: 'SET #s = :running, updatedAt = :now REMOVE #e',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
          ExpressionAttributeValues: { ':running': 'RUNNING', ':now': this.now() },
        }),
      ),
    );
    await this.markShardsCancelled(jobId, false);
    return again;
  }

  /** Puts every batch of a job that is not DONE back to PENDING (error removed; a FAILED one leaves its shard's batchesFailed); returns their ids. */
  async resetBatches(jobId: string): Promise<string[]> {
    checkJobId(jobId);
    const again = (await this.listBatches(jobId)).filter((b) => b.status !== 'DONE');
    const reset: string[] = [];
    for (const b of again) {
      try {
        const out = await this.call('UpdateItem (reset batch)', { jobId, batchId: b.batchId }, () =>
          this.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: batchKey(jobId, b.batchId),
              UpdateExpression: 'SET #s = :p REMOVE #e',
              ConditionExpression: 'attribute_exists(pk) AND #s <> :done',
              ExpressionAttributeNames: { '#s': 'status', '#e': 'error' },
              ExpressionAttributeValues: { ':p': 'PENDING', ':done': 'DONE' },
              ReturnValues: 'ALL_OLD',
            }),
          ),
        );
        // counted as failed once (failBatch), uncounted once here: the counters stay exact across retries
        if ((out?.Attributes as BatchRecord | undefined)?.status === 'FAILED') {
          await this.call('UpdateItem (shard counters)', { jobId, batchId: b.batchId }, () =>
            this.doc.send(new UpdateCommand({ TableName: this.table, Key: counterKey(jobId, b.batchId), UpdateExpression: 'ADD batchesFailed :minusOne', ExpressionAttributeValues: { ':minusOne': -1 } })),
          );
        }
        reset.push(b.batchId);
      } catch (err) {
        if (!isConditional(err)) throw err; // completed meanwhile
      }
    }
    return reset;
  }

  /** The job's status, or null when there is no job record (the record alone: no counters read). */
  async jobStatus(jobId: string): Promise<JobStatus | null> {
    return (await this.getJobRecord(jobId))?.status ?? null;
  }

  /** The job's status and input (object and name; absent from a record without one), or null when there is no job record (one consistent GetItem). */
  async jobHead(jobId: string): Promise<{ status: JobStatus; input?: JobRecord['input'] } | null> {
    const job = await this.getJobRecord(jobId);
    if (job === null) return null;
    const input = job.input as Partial<JobRecord['input']> | undefined;
    const valid = typeof input?.bucket === 'string' && typeof input.key === 'string' && (input.name === undefined || typeof input.name === 'string');
    return { status: job.status, ...(valid ? { input: job.input } : {}) };
  }

  /** The error of a FAILED job whose summary.json MarkFailed has not written yet (`summaryPending`), else null. */
  async pendingFailureSummary(jobId: string): Promise<{ code: string; message: string } | null> {
    const job = await this.getJobRecord(jobId);
    if (job?.status !== 'FAILED' || job.summaryPending !== true) return null;
    return job.error ?? { code: 'Error', message: 'the job failed' };
  }

  /** Clears `summaryPending` of a FAILED job (its summary.json is written); a job no longer FAILED is left as it is. */
  async failureSummaryWritten(jobId: string): Promise<void> {
    checkJobId(jobId);
    try {
      await this.call('UpdateItem (job summary written)', { jobId }, () =>
        this.doc.send(new UpdateCommand({ TableName: this.table, Key: jobKey(jobId), UpdateExpression: 'REMOVE summaryPending', ConditionExpression: '#s = :failed', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':failed': 'FAILED' } })),
      );
    } catch (err) {
      if (!isConditional(err)) throw err;
    }
  }

  /** The job record as stored (its `counts` hold only features and batches), or null. */
  private async getJobRecord(jobId: string): Promise<JobRecord | null> {
    checkJobId(jobId);
    const out = await this.call('GetItem (job)', { jobId }, () => this.doc.send(new GetCommand({ TableName: this.table, Key: jobKey(jobId), ConsistentRead: true })));
    return (out.Item as JobRecord | undefined) ?? null;
  }

  /** The job record, its `counts`, `bytesRead` and `requests` summed over its shards' counter items (one BatchGetItem), or null. */
  async getJob(jobId: string): Promise<JobRecord | null> {
    const job = await this.getJobRecord(jobId);
    if (job === null) return null;
    return (await this.withCounters([job]))[0] ?? job;
  }

  /** The jobs with their counters summed over their shards (the job records carry only features and batches). */
  private async withCounters(jobs: JobRecord[]): Promise<JobRecord[]> {
    if (jobs.length === 0) return jobs;
    const items = await this.getMany<CounterRecord & ItemKey>(jobs.flatMap((j) => counterKeys(j.jobId)));
    const byJob = new Map<string, CounterRecord[]>();
    for (const c of items) {
      const jobId = c.pk.slice('JOB#'.length, c.pk.lastIndexOf('#'));
      byJob.set(jobId, [...(byJob.get(jobId) ?? []), c]);
    }
    return jobs.map((j) => {
      const t = sumCounters(byJob.get(j.jobId) ?? []);
      const counts = { ...j.counts, batchesDone: t.batchesDone, batchesFailed: t.batchesFailed, featuresDone: t.featuresDone, featuresFailed: t.featuresFailed };
      // Collect writes the exact totals on the record (the shard counters may lag: they are a hint)
      return { ...j, counts, bytesRead: Math.max(Number(j.bytesRead ?? 0), t.bytesRead), requests: Math.max(Number(j.requests ?? 0), t.requests) };
    });
  }

  /** A batch record, or null. */
  async getBatch(jobId: string, batchId: string): Promise<BatchRecord | null> {
    checkBatchId(jobId, batchId);
    const out = await this.call('GetItem (batch)', { jobId, batchId }, () => this.doc.send(new GetCommand({ TableName: this.table, Key: batchKey(jobId, batchId), ConsistentRead: true })));
    return (out.Item as BatchRecord | undefined) ?? null;
  }

  /** The shard partitions a job's batches use (as recorded by putBatches; all of them when unrecorded). */
  private async jobShardPks(jobId: string): Promise<string[]> {
    const shards = (await this.getJobRecord(jobId))?.shards;
    const list = shards instanceof Set ? [...(shards as Set<unknown>)] : Array.isArray(shards) ? shards : null;
    if (list === null || list.length === 0) return shardPks(jobId);
    return list.map(Number).filter((n) => Number.isInteger(n) && n >= 0 && n < KEY_SHARDS).sort((a, b) => a - b).map((n) => shardPk(jobId, n));
  }

  /** The batches of a job in batch-id order (a paginated Query of each of its shards' partitions, 8 at once), optionally of one status. */
  async listBatches(jobId: string, opts: { status?: BatchStatus } = {}): Promise<BatchRecord[]> {
    checkJobId(jobId);
    const pks = await this.jobShardPks(jobId);
    const perShard: BatchRecord[][] = [];
    for (let i = 0; i < pks.length; i += 8) perShard.push(...(await Promise.all(pks.slice(i, i + 8).map((pk) => this.queryBatches(jobId, pk, opts.status)))));
    return perShard.flat().sort((a, b) => (a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : 0));
  }

  private async queryBatches(jobId: string, pk: string, status: BatchStatus | undefined): Promise<BatchRecord[]> {
    const out: BatchRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const from = start;
      const page = await this.call('Query (batches)', { jobId }, () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)',
            ExpressionAttributeValues: { ':pk': pk, ':b': 'BATCH#' },
            ExclusiveStartKey: from,
            ConsistentRead: true,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const b = item as BatchRecord;
        if (status === undefined || b.status === status) out.push(b);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** The FAILED batches of a job. */
  async failedBatches(jobId: string): Promise<BatchRecord[]> {
    return this.listBatches(jobId, { status: 'FAILED' });
  }

  /** Totals over the batch records (a consistent, paginated Query): the source of truth Collect uses. */
  async tally(jobId: string): Promise<Tally> {
    const batches = await this.listBatches(jobId);
    const t: Tally = { batches: batches.length, batchesDone: 0, batchesFailed: 0, batchesPending: 0, featuresDone: 0, featuresFailed: 0, failures: [], batchErrors: [], parts: [], bytesRead: 0, requests: 0, timings: { workerMs: 0, firstStart: null, lastFinish: null } };
    const timings = t.timings as { workerMs: number; firstStart: string | null; lastFinish: string | null };
    for (const b of batches) {
      timings.workerMs += b.ms ?? 0;
      if (b.startedAt && (timings.firstStart === null || b.startedAt < timings.firstStart)) timings.firstStart = b.startedAt;
      if (b.finishedAt && (timings.lastFinish === null || b.finishedAt > timings.lastFinish)) timings.lastFinish = b.finishedAt;
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

  /** Same as `tally` (the name the design uses). */
  async tallyBatches(jobId: string): Promise<Tally> {
    return this.tally(jobId);
  }

  /** Items by key, in the order given (missing ones left out): BatchGetItem by 100, unprocessed keys retried with backoff. */
  private async getMany<T extends object = JobRecord>(keys: ItemKey[]): Promise<T[]> {
    const found = new Map<string, T>();
    const sleep = this.opts.sleep ?? defaultSleep;
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + 100).map((k) => ({ pk: k.pk, sk: k.sk }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= (this.opts.maxBatchWriteAttempts ?? 10)) throw new JobStoreError(`could not read ${pending.length} job records after ${attempt} BatchGetItem attempts (unprocessed: throttled)`);
        if (attempt > 0) await sleep(Math.random() * Math.min(5000, 50 * 2 ** attempt));
        const ask = pending;
        const out = await this.call('BatchGetItem (jobs)', {}, () => this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: ask, ConsistentRead: true } } })));
        for (const item of out.Responses?.[this.table] ?? []) found.set(`${String(item.pk)}\u0000${String(item.sk)}`, item as T);
        pending = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return keys.map((k) => found.get(`${k.pk}\u0000${k.sk}`)).filter((r): r is T => r !== undefined);
  }

  /**
   * Jobs, newest first, at most `limit` (default 50). With `jobsIndex` a
   * Query on that GSI (reads only what it returns); without, a paginated Scan
   * filtered on sk = JOB (reads the whole table: fine at small scale).
   */
  async listJobs(opts: ListJobsOptions | number = {}): Promise<JobRecord[]> {
    const { limit = 50, status } = typeof opts === 'number' ? { limit: opts } : opts;
    checkCount('limit', limit);
    const jobs: JobRecord[] = [];
    let start: Record<string, unknown> | undefined;
    const index = this.opts.jobsIndex;
    if (index !== undefined) {
      // the index holds keys only (no write to it on counter updates): the records are read by BatchGetItem
      do {
        const from = start;
        const page = await this.call('Query (jobs index)', { index }, () =>
          this.doc.send(
            new QueryCommand({
              TableName: this.table,
              IndexName: index,
              KeyConditionExpression: 'gsi1pk = :jobs',
              ExpressionAttributeValues: { ':jobs': JOBS_INDEX_PK },
              ScanIndexForward: false,
              Limit: Math.min(100, Math.max(limit - jobs.length, 1) * (status === undefined ? 1 : 4)),
              ExclusiveStartKey: from,
            }),
          ),
        );
        const keys = (page.Items ?? []).map((i) => ({ pk: String(i.pk), sk: String(i.sk) }));
        const records = await this.getMany(keys);
        for (const r of records) if (status === undefined || r.status === status) jobs.push(r);
        start = page.LastEvaluatedKey;
      } while (start && jobs.length < limit);
      return this.withCounters(jobs.slice(0, limit));
    }
    do {
      const from = start;
      const page = await this.call('Scan (jobs)', {}, () =>
        this.doc.send(
          new ScanCommand({
            TableName: this.table,
            FilterExpression: status === undefined ? 'sk = :job' : 'sk = :job AND #s = :st',
            ExpressionAttributeValues: { ':job': 'JOB', ...(status === undefined ? {} : { ':st': status }) },
            ...(status === undefined ? {} : { ExpressionAttributeNames: { '#s': 'status' } }),
            ExclusiveStartKey: from,
          }),
        ),
      );
      jobs.push(...((page.Items ?? []) as JobRecord[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return this.withCounters(jobs.sort((a, b) => (a.createdAt === b.createdAt ? (a.jobId < b.jobId ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1)).slice(0, limit));
  }
}

/** Whether a batch record carries its job's cancellation (markBatchesCancelled). */
function isCancelled(b: BatchRecord): boolean {
  return (b as { cancelled?: unknown }).cancelled === true;
}

function toStart(b: BatchRecord, done: boolean): BatchStart {
  return { done, attempts: b.attempts, cursor: b.cursor ?? 0, parts: b.parts ?? [], featuresDone: b.featuresDone ?? 0, featuresFailed: b.featuresFailed ?? 0, failures: b.failures ?? [] };
}

function checkResult(r: Omit<BatchResult, 'parts'> & { parts?: string[] }): void {
  checkCount('featuresDone', r.featuresDone);
  checkCount('featuresFailed', r.featuresFailed);
  checkCount('bytesRead', r.bytesRead);
  checkCount('requests', r.requests);
  checkAmount('ms', r.ms);
  if (!Array.isArray(r.failures)) throw new JobStoreError('invalid failures: expected an array');
  if (r.parts !== undefined && !r.parts.every((p) => typeof p === 'string' && p.length > 0)) throw new JobStoreError('invalid parts: expected object keys');
}
